"""Send-crash benchmark: replies sent by a task worker that is killed (SIGKILL) again and again.

    .venv/bin/python bench/send_crash.py [--replies 200] [--kills 24] [--seed 1] [--rounds 1]
                                         [--code DIR] [--workdir bench/out]

1. `setup` (a subprocess): migrates a fresh SQLite file, receives one customer mail per reply
   and writes the replies with `conversation_reply`: 200 outbox rows and 200 queued
   `outbox_deliver_task` rows in the django-tasks-db queue, as agents answering would.
2. Starts a real SMTP sink (aiosmtpd) on 127.0.0.1 that records the Message-ID of every mail
   accepted, then runs the real sender, `manage.py db_worker`, in a subprocess pointed at it.
   Each time the sink has seen the worker send, it waits a random 0-`--max-delay` s and kills
   the worker with SIGKILL, then starts a new one: `--kills` times.
3. Starts a last worker and lets it run until every reply has arrived once (at most
   `--drain-seconds`), stops it, then counts. If replies are still missing, runs
   `outbox_flush()` as a scheduler would ten minutes later (the old rule for sends left
   "sending") and reports how many that needed.

Counts: lost (a reply never received), duplicated (received more than once), tasks left
RUNNING in the queue. `--code DIR` runs the setup and the sender from another checkout (for
example the code before a change, `git worktree add /tmp/before <commit>`), with this driver.
Prints one JSON object (the last line of stdout). A benchmark, not a test.
"""

import argparse
import collections
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from email.parser import BytesHeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INBOX_ADDRESS = "support@helpdesk.example.com"


# --- inside the code under test (subprocesses) -------------------------------------------------


def _django() -> None:
    import django

    django.setup()


def setup(replies: int, out: Path) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from carefront.accounts.models import Agent
    from carefront.conversations.services import conversation_reply
    from carefront.inboxes.models import Inbox
    from carefront.inboxes.services import email_ingest

    inbox = Inbox.objects.create(name="Support", email_address=INBOX_ADDRESS, from_name="Support")
    agent = Agent.objects.create_user("bench-agent@example.com", name="Bench Agent")
    ids = []
    for n in range(replies):
        raw = (
            f"From: Customer {n} <customer{n}@example.com>\r\nTo: {INBOX_ADDRESS}\r\n"
            f"Subject: Question {n}\r\nMessage-ID: <question{n}@example.com>\r\n"
            f"Date: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nHello, question number {n}.\r\n"
        ).encode()
        result = email_ingest(inbox=inbox, data=raw, source="bench")
        reply = conversation_reply(
            conversation=result.conversation, author=agent, body=f"Answer number {n}."
        )
        ids.append(reply.message_id)
    out.write_text(json.dumps(ids))


def status() -> dict:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from carefront.conversations.models import OutboxEntry

    return {
        "outbox": dict(OutboxEntry.objects.values_list("status").annotate(n=Count("pk"))),
        "tasks": dict(DBTaskResult.objects.values_list("status").annotate(n=Count("pk"))),
        # When each reply was recorded as handed over (the clock read just before that write).
        "sent_at": {
            message_id: sent_at.timestamp()
            for message_id, sent_at in OutboxEntry.objects.exclude(sent_at=None).values_list(
                "message__message_id", "sent_at"
            )
        },
    }


def drain() -> dict:
    """What a scheduler calling outbox_flush() every minute does, ten minutes on."""
    import datetime as dt

    from django.utils import timezone

    from carefront.conversations.services.outbox import outbox_flush

    return {"flushed": outbox_flush(now=timezone.now() + dt.timedelta(minutes=11))}


# --- the driver -------------------------------------------------------------------------------


class Sink:
    """aiosmtpd on loopback, recording the Message-ID of every mail it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[str] = []
        self.stored_at: dict[str, float] = {}  # Message-ID -> when first accepted (wall clock)
        self.lock = threading.Lock()
        with socket.socket() as probe:  # a free port on loopback
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        message_id = str(headers.get("Message-ID", "")).strip().strip("<>")
        with self.lock:
            self.received.append(message_id)
            self.stored_at.setdefault(message_id, time.time())
        return "250 Message accepted for delivery"

    def start(self) -> int:
        self.controller.start()
        return self.port

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def _env(code: Path, workdir: Path, database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(code), str(workdir)]),
        "DJANGO_SETTINGS_MODULE": "send_crash_settings",
        "CAREFRONT_DATABASE_URL": f"sqlite:///{database}",
        "CAREFRONT_MEDIA_ROOT": str(workdir / "send-crash-media"),
    }


def _sub(env: dict, code: Path, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        env=env,
        cwd=code,
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _worker(env: dict, code: Path, log) -> subprocess.Popen:
    command = [
        sys.executable,
        str(code / "manage.py"),
        "db_worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.2",
        "--verbosity",
        "0",
    ]
    return subprocess.Popen(command, env=env, cwd=code, stdout=log, stderr=log)


def _log_count(path: Path, marker: str) -> int:
    """Sum the counts of recovery's warnings `Sending again N message(s) that {marker}`."""
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        if marker in line and "Sending again " in line:
            total += int(line.split("Sending again ", 1)[1].split()[0])
    return total


def run(args: argparse.Namespace) -> dict:
    code = Path(args.code).resolve()
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "send-crash.sqlite3"
    for suffix in ("", "-wal", "-shm", ".writer-lock"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    sink = Sink()
    port = sink.start()
    (workdir / "send_crash_settings.py").write_text(
        "from bench.settings import *  # noqa: F403\n"
        "MAILERS = {'default': {'BACKEND': 'django.core.mail.backends.smtp.EmailBackend',\n"
        f"    'OPTIONS': {{'host': '127.0.0.1', 'port': {port}, 'timeout': 10}}}}}}\n"
        # Recovery's warnings (what it sent again, and why) go to the worker log.
        "LOGGING['loggers']['carefront']['level'] = 'WARNING'\n"
    )
    env = _env(code, workdir, database)
    ids_file = workdir / "send-crash-ids.json"
    started = time.monotonic()
    _sub(env, code, "setup", "--replies", str(args.replies), "--out", str(ids_file))
    expected = json.loads(ids_file.read_text())
    rng = random.Random(getattr(args, "seed_of_round", args.seed))
    kills = 0
    log_path = workdir / "send-crash-worker.log"
    log_path.unlink(missing_ok=True)
    log = log_path.open("ab")
    deadline = time.monotonic() + args.seconds
    try:
        while kills < args.kills and time.monotonic() < deadline:
            if len(set(sink.received)) >= len(expected):
                break  # everything arrived: nothing left to interrupt
            before = sink.count()
            worker = _worker(env, code, log)
            # Kill while it sends: once the sink has seen it send, at a random moment after.
            wait_until = time.monotonic() + 20
            while sink.count() == before and worker.poll() is None:
                if time.monotonic() > wait_until:
                    break
                time.sleep(0.002)
            time.sleep(rng.uniform(0, args.max_delay))
            if worker.poll() is None:
                os.kill(worker.pid, signal.SIGKILL)
                kills += 1
            worker.wait()
        # The last worker runs undisturbed until every reply has arrived once.
        worker = _worker(env, code, log)
        drain_until = time.monotonic() + args.drain_seconds
        while len(set(sink.received)) < len(expected) and time.monotonic() < drain_until:
            time.sleep(0.1)
        time.sleep(1)  # let it record what it just sent
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        missing_before_flush = len(set(expected) - set(sink.received))
        after_workers = _sub(env, code, "status")
        flushed = _sub(env, code, "drain")["flushed"] if missing_before_flush else 0
        final = _sub(env, code, "status")
    finally:
        log.close()
        sink.controller.stop()
    counts = collections.Counter(sink.received)
    # The window a kill turns into a duplicate starts when the relay stores the mail and ends
    # when the hand-over is written: measured up to the clock read just before that write.
    gaps = sorted(
        (final["sent_at"][mid] - sink.stored_at[mid]) * 1000
        for mid in expected
        if counts[mid] == 1 and mid in final["sent_at"] and mid in sink.stored_at
    )
    received = [mid for mid in expected if counts[mid]]
    duplicated = [mid for mid in expected if counts[mid] > 1]
    return {
        "code": str(code),
        "replies": len(expected),
        "kills": kills,
        "received": len(received),
        "lost": len(expected) - len(received),
        "duplicated": len(duplicated),
        "extra_copies": sum(counts[mid] - 1 for mid in duplicated),
        "missing_until_forced_flush": missing_before_flush,
        "sent_by_forced_flush": flushed,
        "tasks_running_after_workers": after_workers["tasks"].get("RUNNING", 0),
        "outbox_after_workers": after_workers["outbox"],
        "outbox_final": final["outbox"],
        "tasks_final": final["tasks"],
        # Recovery's own account (the code after the change logs it; the code before does not).
        "resent_in_flight": _log_count(log_path, "were in flight when their worker died"),
        "window_ms_p50": round(gaps[len(gaps) // 2], 2) if gaps else None,
        "window_ms_p90": round(gaps[int(len(gaps) * 0.9)], 2) if gaps else None,
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command")
    setup_parser = sub.add_parser("setup")
    setup_parser.add_argument("--replies", type=int, required=True)
    setup_parser.add_argument("--out", type=Path, required=True)
    sub.add_parser("status")
    sub.add_parser("drain")
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="runs, with seeds seed, seed+1...")
    parser.add_argument("--max-delay", type=float, default=0.15, help="seconds, after a send")
    parser.add_argument("--seconds", type=float, default=300, help="bound on the kill loop")
    parser.add_argument("--drain-seconds", type=float, default=30)
    parser.add_argument("--code", default=str(ROOT), help="checkout whose code is measured")
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    if args.command == "setup":
        _django()
        setup(args.replies, args.out)
        print("{}")
    elif args.command == "status":
        _django()
        print(json.dumps(status()))
    elif args.command == "drain":
        _django()
        print(json.dumps(drain()))
    else:
        rounds = []
        for n in range(args.rounds):
            args.seed_of_round = args.seed + n
            rounds.append(run(args))
            print(json.dumps(rounds[-1]), file=sys.stderr, flush=True)
        keys = ("replies", "kills", "lost", "duplicated", "extra_copies", "resent_in_flight")
        windows = sorted(r["window_ms_p50"] for r in rounds if r["window_ms_p50"] is not None)
        total = {key: sum(r[key] for r in rounds) for key in keys}
        total["tasks_running_after_workers"] = sum(r["tasks_running_after_workers"] for r in rounds)
        total["missing_until_forced_flush"] = sum(r["missing_until_forced_flush"] for r in rounds)
        total["window_ms_p50_median"] = windows[len(windows) // 2] if windows else None
        print(json.dumps({**total, "code": rounds[0]["code"], "rounds": rounds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
