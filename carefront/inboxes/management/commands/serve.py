"""`manage.py serve`: the embedded runtime behind `make run`, all in one process.

Runs uvicorn (ASGI) in the main thread and, beside it: a django-tasks-db worker thread, the SMTP
receiver, the IMAP poller, and an outbox, webhook, survey and notification-email flush every
minute (retries and crash recovery).
Ctrl-C stops everything cleanly.
"""

import logging
import signal
import threading

import uvicorn
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connections
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.utils.translation import gettext as _
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from carefront.conversations.live import live_events_prune
from carefront.conversations.services.outbox import outbox_flush
from carefront.core.workers import current_worker_id, heartbeat_forever, worker_start
from carefront.feedback.services import recovery_overdue_flush, surveys_flush
from carefront.inboxes.email.imap import imap_poll_forever
from carefront.inboxes.email.smtp_receiver import smtp_receiver_controller
from carefront.knowledge.services.signals import search_outcomes_settle
from carefront.notifications.services import notification_digests_flush
from carefront.quality.services import coaching_reminders_flush
from carefront.sla.services.acknowledgements import acknowledgements_flush
from carefront.webhooks.services import webhook_flush

logger = logging.getLogger("carefront.serve")

OUTBOX_FLUSH_SECONDS = 60.0
DEMO_EMAIL = "admin@carefront.test"
DEMO_PASSWORD = "carefront"  # noqa: S105 - the published demo login, shown only if it works


def _in_thread(name: str, target, **kwargs) -> threading.Thread:
    def run() -> None:
        try:
            target(**kwargs)
        except Exception:
            logger.exception("%s stopped with an error", name)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# What the embedded runtime catches up on every minute; deployments that run `db_worker` call
# the same through their `manage.py ..._flush` commands from a scheduler.
FLUSHES = (
    ("Outbox", outbox_flush),
    ("Webhook", webhook_flush),
    ("Survey", surveys_flush),
    ("Acknowledgement", acknowledgements_flush),
    ("Notification email", notification_digests_flush),
    ("Recovery overdue", recovery_overdue_flush),
    ("Coaching reminder", coaching_reminders_flush),
    ("Help-centre search outcome", search_outcomes_settle),
    ("Live event pruning", live_events_prune),
)


def _flush_outbox_every(*, stop: threading.Event, seconds: float) -> None:
    while not stop.wait(seconds):
        close_old_connections()
        for label, flush in FLUSHES:
            try:
                flush()
            except Exception:
                logger.exception("%s flush failed; trying again in %s s", label, seconds)


class Command(BaseCommand):
    help = _("Run Carefront in one process: web server, task worker, mail receiver and poller.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help=_("Web server address."))
        parser.add_argument("--port", type=int, default=8000, help=_("Web server port."))
        parser.add_argument(
            "--smtp-port",
            type=int,
            default=None,
            help=_("SMTP receiver port (default: CAREFRONT_SMTP_PORT, 2525)."),
        )
        parser.add_argument("--no-smtp", action="store_true", help=_("Do not receive SMTP."))
        parser.add_argument("--no-imap", action="store_true", help=_("Do not poll IMAP."))
        parser.add_argument(
            "--no-worker", action="store_true", help=_("Do not run background tasks.")
        )

    def handle(self, *args, **options) -> None:
        stop = threading.Event()
        threads: list[threading.Thread] = []
        worker = self._start_worker(threads, stop) if not options["no_worker"] else None
        controller = None
        if not options["no_smtp"]:
            controller = self._start_smtp(options["smtp_port"])
        if not options["no_imap"]:
            threads.append(_in_thread("imap-poller", imap_poll_forever, stop=stop))
        threads.append(
            _in_thread("outbox-flush", _flush_outbox_every, stop=stop, seconds=OUTBOX_FLUSH_SECONDS)
        )

        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(_("Carefront is running at %(url)s") % {"url": url})
        if self._demo_login_works():
            self.stdout.write(
                _("demo login: %(email)s / %(password)s")
                % {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
            )
        self.stdout.write(_("Press Ctrl-C to stop."))
        self.stdout.flush()
        # The web server closes this thread's connection at each request; nothing else uses it.
        connections.close_all()
        server = uvicorn.Server(
            uvicorn.Config(
                "config.asgi:application",
                host=options["host"],
                port=options["port"],
                lifespan="off",
                log_level="info",
            )
        )
        # uvicorn handles Ctrl-C / SIGTERM itself, then re-raises the signal to the handler that
        # was installed before it: make that one end the run here, so the clean-up below runs.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            self.stdout.write(_("Stopping..."))
            stop.set()
            if worker is not None:
                worker.running = False
            if controller is not None:
                controller.stop()
            for thread in threads:
                thread.join(timeout=35)
        self.stdout.write(_("Stopped."))

    def _start_worker(
        self, threads: list[threading.Thread], stop: threading.Event
    ) -> Worker | None:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if not isinstance(backend, DatabaseBackend):
            # Tests and some setups run tasks immediately; there is no queue to work on.
            return None
        worker = Worker(
            queue_names=list(settings.TASKS[DEFAULT_TASK_BACKEND_ALIAS].get("QUEUES", ["default"])),
            interval=1.0,
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            # host:pid:token, so that a killed `serve` is known dead to the next one at once.
            worker_id=current_worker_id(),
            excluded_queue_names=[],
        )
        # Put back what a killed worker held (tasks left RUNNING, sends in flight) before
        # taking new work; then beat, and recover again every minute.
        recovery = worker_start()
        if recovery.total:
            self.stdout.write(
                _("Recovered from a stopped worker: %(counts)s") % {"counts": recovery.counts}
            )
        threads.append(_in_thread("worker-heartbeat", heartbeat_forever, stop=stop))
        # No configure_signals(): signals belong to the main thread (uvicorn); we stop the
        # worker by clearing `running`, which it checks after each task or sleep.
        threads.append(_in_thread("task-worker", worker.run))
        return worker

    def _start_smtp(self, port: int | None):
        controller = smtp_receiver_controller(port=port)
        try:
            controller.start()
        except Exception as exc:
            self.stderr.write(
                _("SMTP receiver not started on port %(port)s: %(error)s")
                % {"port": controller.port, "error": exc}
            )
            return None
        self.stdout.write(
            _("Receiving mail by SMTP on %(host)s:%(port)s")
            % {"host": controller.hostname, "port": controller.port}
        )
        return controller

    def _demo_login_works(self) -> bool:
        agent = get_user_model().objects.filter(email=DEMO_EMAIL, is_active=True).first()
        return agent is not None and agent.check_password(DEMO_PASSWORD)
