""" "You said, we did" under SIGKILL: an improvement with N customers is marked shipped and the
task worker that tells them is killed again and again.

    .venv/bin/python bench/improvement_crash.py [--customers 300] [--kills 12] [--seed 1]

1. `setup` (a subprocess): migrates a fresh SQLite file, receives one mail from each of N
   customers, links every conversation to one improvement and marks it shipped with the real
   service: the telling task sits in the django-tasks-db queue.
2. Starts a real SMTP sink on 127.0.0.1 and runs `manage.py db_worker` against it, killing it
   with SIGKILL at a random moment 0-`--max-delay` s after it has told its first customer (so
   mid-way through the telling, or while the outbox sends), then a new one: up to `--kills`
   times, while customers are left to tell. Every worker runs
   the recovery hooks when it starts (`improvement-notices` tells what is still pending; the
   outbox's puts back its sends).
3. A last worker runs undisturbed until every customer's message has arrived (at most
   `--drain-seconds`).

Counts, per customer: lost (no message received), told twice (two messages written), received
twice (one message delivered twice); and the notices left pending. Prints one JSON object (the
last line of stdout). A benchmark, not a test.
"""

import argparse
import collections
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.send_crash import INBOX_ADDRESS, Sink, _worker  # noqa: E402


def _django() -> None:
    import django

    django.setup()


def setup(customers: int) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from carefront.accounts.models import Agent, Role
    from carefront.feedback.services import improvement_create, improvement_link, improvement_ship
    from carefront.inboxes.models import Inbox
    from carefront.inboxes.services import email_ingest

    # No acknowledgements: only the improvement's messages reach the sink.
    inbox = Inbox.objects.create(
        name="Support",
        email_address=INBOX_ADDRESS,
        from_name="Support",
        send_acknowledgement=False,
    )
    lead = Agent.objects.create_user("bench-lead@example.com", name="Lead", role=Role.LEAD)
    ids = []
    for n in range(customers):
        raw = (
            f"From: Customer {n} <customer{n}@example.com>\r\nTo: {INBOX_ADDRESS}\r\n"
            f"Subject: CSV export {n}\r\nMessage-ID: <csv{n}@example.com>\r\n"
            f"Date: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nPlease add a CSV export ({n}).\r\n"
        ).encode()
        ids.append(email_ingest(inbox=inbox, data=raw, source="bench").conversation.pk)
    improvement = improvement_create(
        actor=lead, title="CSV export", customer_message="You can now export CSV."
    )
    for start in range(0, len(ids), 500):
        improvement_link(
            actor=lead, improvement_id=improvement.pk, conversation_ids=ids[start : start + 500]
        )
    improvement_ship(actor=lead, improvement_id=improvement.pk)


def status() -> dict:
    from django.db.models import Count

    from carefront.conversations.models import Message
    from carefront.feedback.models import ImprovementNotice

    told = collections.Counter(
        Message.objects.filter(
            direction="outgoing", body_text__contains="/improvements/news/"
        ).values_list("conversation__customer__email", flat=True)
    )
    return {
        "notices": dict(ImprovementNotice.objects.values_list("status").annotate(n=Count("pk"))),
        "told_per_customer": dict(told),
        "message_ids": dict(
            Message.objects.filter(
                direction="outgoing", body_text__contains="/improvements/news/"
            ).values_list("message_id", "conversation__customer__email")
        ),
    }


def _env(workdir: Path, database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(workdir)]),
        "DJANGO_SETTINGS_MODULE": "improvement_crash_settings",
        "CAREFRONT_DATABASE_URL": f"sqlite:///{database}",
        "CAREFRONT_MEDIA_ROOT": str(workdir / "improvement-crash-media"),
    }


def _sub(env: dict, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _told(database: Path) -> int:
    """Notices told so far, read straight from the SQLite file (WAL: beside the worker)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
        return db.execute(
            "SELECT COUNT(*) FROM feedback_improvementnotice WHERE status = 'sent'"
        ).fetchone()[0]


def _recovered(path: Path) -> int:
    marker = "whose improvement notice was left pending"
    return sum(
        int(line.split("Told ", 1)[1].split()[0])
        for line in path.read_text(errors="replace").splitlines()
        if marker in line and "Told " in line
    )


def run(args: argparse.Namespace) -> dict:
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "improvement-crash.sqlite3"
    for suffix in ("", "-wal", "-shm", ".writer-lock"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    sink = Sink()
    port = sink.start()
    (workdir / "improvement_crash_settings.py").write_text(
        "from bench.settings import *  # noqa: F403\n"
        "MAILERS = {'default': {'BACKEND': 'django.core.mail.backends.smtp.EmailBackend',\n"
        f"    'OPTIONS': {{'host': '127.0.0.1', 'port': {port}, 'timeout': 10}}}}}}\n"
        # The recovery's account of what it told goes to the worker log.
        "LOGGING['loggers']['carefront']['level'] = 'WARNING'\n"
    )
    env = _env(workdir, database)
    started = time.monotonic()
    _sub(env, "setup", "--customers", str(args.customers))
    rng = random.Random(args.seed)
    log_path = workdir / "improvement-crash-worker.log"
    log_path.unlink(missing_ok=True)
    log = log_path.open("ab")
    kills = 0
    told_at_kills: list[int] = []
    try:
        while kills < args.kills:
            before = _told(database)
            if before >= args.customers:
                break  # everyone told: nothing of the telling left to interrupt
            worker = _worker(env, ROOT, log)
            # Kill while it tells: once it has told someone, at a random moment after.
            wait_until = time.monotonic() + 60
            while _told(database) == before and worker.poll() is None:
                if time.monotonic() > wait_until:
                    break
                time.sleep(0.005)
            time.sleep(rng.uniform(0, args.max_delay))
            if worker.poll() is None:
                os.kill(worker.pid, signal.SIGKILL)
                kills += 1
            worker.wait()
            # How far the telling had got at this kill.
            told_at_kills.append(_told(database))
        worker = _worker(env, ROOT, log)
        drain_until = time.monotonic() + args.drain_seconds
        while len(set(sink.received)) < args.customers and time.monotonic() < drain_until:
            time.sleep(0.2)
        time.sleep(1)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        final = _sub(env, "status")
    finally:
        log.close()
        sink.controller.stop()
    received = collections.Counter(sink.received)
    by_customer = collections.Counter()
    for message_id, email in final["message_ids"].items():
        if received[message_id]:
            by_customer[email] += 1
    expected = [f"customer{n}@example.com" for n in range(args.customers)]
    return {
        "customers": args.customers,
        "kills": kills,
        "received": sum(1 for e in expected if by_customer[e]),
        "lost": sum(1 for e in expected if not by_customer[e]),
        "told_twice": sum(1 for e in expected if final["told_per_customer"].get(e, 0) > 1),
        "received_twice": sum(1 for mid in final["message_ids"] if received[mid] > 1),
        "notices": final["notices"],
        "told_at_each_kill": told_at_kills,
        # Told by the recovery hook of a later worker: the kill had left them pending.
        "told_by_recovery": _recovered(log_path),
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command")
    setup_parser = sub.add_parser("setup")
    setup_parser.add_argument("--customers", type=int, required=True)
    sub.add_parser("status")
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--max-delay", type=float, default=0.5, help="seconds after its first customer told"
    )
    parser.add_argument("--drain-seconds", type=float, default=90)
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    if args.command == "setup":
        _django()
        setup(args.customers)
        print("{}")
    elif args.command == "status":
        _django()
        print(json.dumps(status()))
    else:
        print(json.dumps(run(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
