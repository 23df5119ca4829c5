"""Which background processes are alive, and putting back the work of those that died.

Every process that does background work (`manage.py db_worker`, the worker thread of `serve`)
has a worker id `host:pid:token`, beats a `WorkerHeartbeat` row every few seconds and, when it
starts and every minute, runs `workers_recover()`: the sends and tasks claimed by a process that
is dead are made available again. A process is dead when it runs on this host and its pid is
gone (or is ours, under another id: an earlier process that had our pid; "this host" is the host
name and the pid namespace), or when its heartbeat is older than
`CAREFRONT["WORKER_STALE_SECONDS"]`; with neither to go on (no heartbeat was ever written, as for
an `outbox_flush()` run from cron on another machine), when its claim is older than `fallback`.
"""

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
RECOVER_EVERY_SECONDS = 60.0
# Claims by a process known to no heartbeat are trusted this long.
DEFAULT_FALLBACK = dt.timedelta(minutes=10)

# Recovery reads the RUNNING tasks; django-tasks-db indexes only READY ones (core migration 0002).
RUNNING_TASKS_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS carefront_running_tasks_idx "
    "ON django_tasks_database_dbtaskresult (status) WHERE status = 'RUNNING'"
)

_process: tuple[int, str] | None = None
_process_lock = threading.Lock()
# (name, hook): each app registers how to recover its own claimed work (AppConfig.ready).
_recovery_hooks: list[tuple[str, Callable[[], int]]] = []


def _hostname() -> str:
    """This host, as far as pids mean the same thing: the host name plus, where Linux says it,
    the pid namespace (two containers given one host name do not see each other's pids)."""
    name = socket.gethostname()[:28]
    try:
        return f"{name}~{os.stat('/proc/self/ns/pid').st_ino:x}"
    except OSError:
        return name


def current_worker_id() -> str:
    """This process's id, `host:pid:token`: new after a fork, unique across restarts."""
    global _process
    pid = os.getpid()
    with _process_lock:
        if _process is None or _process[0] != pid:
            _process = (pid, f"{_hostname()}:{pid}:{get_random_string(8)}")
        return _process[1]


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CAREFRONT.get("WORKER_STALE_SECONDS", 60))


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


@dataclass
class Liveness:
    """Answers "is the process behind this worker id dead?" for many ids with one query."""

    now: dt.datetime
    heartbeats: dict[str, dt.datetime] = field(default_factory=dict)

    @classmethod
    def of(cls, worker_ids: Iterable[str], *, now: dt.datetime | None = None) -> "Liveness":
        ids = {worker_id for worker_id in worker_ids if worker_id}
        beats = (
            dict(
                WorkerHeartbeat.objects.filter(worker_id__in=ids).values_list(
                    "worker_id", "last_seen_at"
                )
            )
            if ids
            else {}
        )
        return cls(now=now or timezone.now(), heartbeats=beats)

    def is_dead(
        self, worker_id: str, *, claimed_at: dt.datetime | None, fallback: dt.timedelta
    ) -> bool:
        if worker_id == current_worker_id():
            return False
        host, _sep, rest = worker_id.rpartition(":")[0].rpartition(":")
        pid = int(rest) if rest.isdigit() else None
        # On this host (and pid namespace) the pid says it; our own pid under another id is an
        # earlier process that had it (pid 1 of a container started again in the same namespace).
        if (
            pid is not None
            and host == _hostname()
            and (pid == os.getpid() or not _pid_running(pid))
        ):
            return True
        last_seen = self.heartbeats.get(worker_id)
        if last_seen is not None:
            return last_seen < self.now - _stale_after()
        return claimed_at is None or claimed_at < self.now - fallback


def running_tasks_index_ensure(*, using: str = "default") -> None:
    from django.db import connections as all_connections

    with all_connections[using].cursor() as cursor:
        cursor.execute(RUNNING_TASKS_INDEX_SQL)


def worker_heartbeat(*, worker_id: str | None = None) -> None:
    """Record that this process is alive (creates its row on the first beat)."""
    worker_id = worker_id or current_worker_id()
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": _hostname(),
                "pid": os.getpid(),
                "started_at": now,
                "last_seen_at": now,
            },
        )


def worker_unregister(*, worker_id: str | None = None) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id or current_worker_id()).delete()


def register_recovery(name: str, hook: Callable[[], int]) -> None:
    """Called from an app's ready(): `hook()` makes the app's work claimed by dead workers
    available again and returns how many items it put back. Idempotent."""
    if all(existing != name for existing, _hook in _recovery_hooks):
        _recovery_hooks.append((name, hook))


def tasks_recover(*, now: dt.datetime | None = None) -> int:
    """Put back to READY every queued task left RUNNING by a worker that died. Returns how many.

    django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again; a
    worker killed mid-task would leave it so for ever. Our tasks are safe to run twice (each
    claims its row, and a send already handed over is not sent again), so re-running is right.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    running = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        .order_by()  # no sort: the partial index of core migration 0002 answers it alone
        .values_list("id", "worker_ids", "started_at")
    )
    if not running:
        return 0
    liveness = Liveness.of((ids[-1] for _id, ids, _s in running if ids), now=now)
    # A task may legitimately run long; with no heartbeat to go on, give it an hour.
    dead = [
        task_id
        for task_id, worker_ids, started_at in running
        if liveness.is_dead(
            worker_ids[-1] if worker_ids else "",
            claimed_at=started_at,
            fallback=dt.timedelta(hours=1),
        )
    ]
    if not dead:
        return 0
    recovered = DBTaskResult.objects.filter(pk__in=dead, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY
    )
    logger.warning("Put back %s task(s) whose worker died", recovered)
    return recovered


@dataclass
class Recovery:
    """What one `workers_recover()` put back: per app hook, and queued tasks."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def workers_recover(*, now: dt.datetime | None = None) -> Recovery:
    """Recover everything dead workers held: the apps' claimed sends first (so the tasks that
    re-run find them available), then the queue's RUNNING tasks; and forget old heartbeats."""
    recovery = Recovery()
    for name, hook in _recovery_hooks:
        recovery.counts[name] = hook()
    recovery.counts["tasks"] = tasks_recover(now=now)
    now = now or timezone.now()
    WorkerHeartbeat.objects.filter(last_seen_at__lt=now - dt.timedelta(days=1)).delete()
    return recovery


def worker_start(*, worker_ids: Iterable[str] = ()) -> Recovery:
    """A worker process starts: announce it, then put back what dead workers held."""
    for worker_id in {current_worker_id(), *worker_ids}:
        worker_heartbeat(worker_id=worker_id)
    recovery = workers_recover()
    if recovery.total:
        logger.warning("Recovered from dead workers: %s", recovery.counts)
    return recovery


def heartbeat_forever(*, stop: threading.Event, worker_ids: Iterable[str] = ()) -> None:
    """Beat until `stop` is set, recovering dead workers' work every minute. Run in a thread.

    `worker_ids`: other ids this process works under (a task worker's `--worker-id`)."""
    ids = {current_worker_id(), *worker_ids}
    since_recovery = 0.0
    try:
        while not stop.wait(HEARTBEAT_SECONDS):
            close_old_connections()
            try:
                for worker_id in ids:
                    worker_heartbeat(worker_id=worker_id)
                since_recovery += HEARTBEAT_SECONDS
                if since_recovery >= RECOVER_EVERY_SECONDS:
                    since_recovery = 0.0
                    workers_recover()
            except Exception:
                logger.exception("Worker heartbeat failed; trying again")
    finally:
        try:
            for worker_id in ids:
                worker_unregister(worker_id=worker_id)
        except Exception:
            logger.exception("Could not remove the heartbeats of %s", ids)
        finally:
            connections.close_all()  # this thread's own
