"""Notifications at 100,000 rows: the bell's count, the page and its deep pages; and batching:
how fast notifications are made through the service and how many emails their digests become.

    .venv/bin/python bench/notifications.py [--rows 100000] [--database postgres://...]

Fills a fresh SQLite file (bench/out/notifications.sqlite3) or the given PostgreSQL database:
`--rows` notifications over 200 agents: one holds a fifth of them, all read (the agent who keeps
up: an empty "unread" list over 20,000 rows); the others about 500 each, 60 % read. Times each
read 20 times (median; the bell's count uncached). Then makes 5,000 notifications through
`notification_create` for 500 agents who want email (10 each) and flushes the due digests:
there must be exactly 500 emails (mail goes to a backend that sends nothing).
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "notifications.sqlite3"
    if not args.database and database.exists():
        database.unlink()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["CAREFRONT_DATABASE_URL"] = args.database or f"sqlite:///{database}"
    os.environ["CAREFRONT_MEDIA_ROOT"] = str(OUT / "media")
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from carefront.accounts.models import Agent
    from carefront.accounts.tests.factories import AgentFactory
    from carefront.notifications.models import EmailDigest, Notification
    from carefront.notifications.selectors import notification_page, unread_notification_count
    from carefront.notifications.services import notification_create, notification_digests_flush

    call_command("migrate", verbosity=0)
    Notification.objects.all().delete()
    EmailDigest.objects.all().delete()
    Agent.objects.filter(email__startswith="bench-notify").delete()
    agents = [AgentFactory(email=f"bench-notify{i}@carefront.test") for i in range(200)]
    busy = agents[0]
    now = timezone.now()
    batch = []
    for i in range(args.rows):
        recipient = busy if i % 5 == 0 else agents[1 + i % 199]
        batch.append(
            Notification(
                recipient=recipient,
                kind="sla_breached" if i % 2 else "sla_at_risk",
                params={"target": "first_reply", "due_at": now.isoformat()},
                dedupe_key=f"sla-target:{i}:x",
                read_at=now if recipient is busy or i % 10 < 6 else None,
            )
        )
        if len(batch) == 5000:
            Notification.objects.bulk_create(batch)
            batch.clear()
    Notification.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE notifications_notification")
    other = agents[7]
    deep = notification_page(actor=busy)
    for _ in range(400):  # 10,000 rows down
        deep = notification_page(actor=busy, cursor=deep.next_cursor)

    def timed(label, call):
        times = []
        for _ in range(20):
            cache.clear()
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        print(f"| {label} | {statistics.median(times):.2f} ms |")

    print(f"| notifications, {args.rows:,} rows ({connection.vendor}) | median of 20 |")
    print("|---|---|")
    timed("bell: unread count, uncached", lambda: unread_notification_count(actor=other))
    timed("20,000 read: all, first 25", lambda: list(notification_page(actor=busy).items))
    timed(
        "20,000 read: unread (none)",
        lambda: list(notification_page(actor=busy, unread_only=True).items),
    )
    timed(
        "20,000 read: page 401 (cursor)",
        lambda: list(notification_page(actor=busy, cursor=deep.next_cursor).items),
    )
    timed(
        "~500, 40 % unread: unread, first 25",
        lambda: list(notification_page(actor=other, unread_only=True).items),
    )

    recipients = [AgentFactory(email=f"bench-notify-mail{i}@carefront.test") for i in range(500)]
    start = time.perf_counter()
    for round_ in range(10):
        for recipient in recipients:
            notification_create(
                recipient=recipient,
                kind="sla_breached",
                dedupe_key=f"bench:{round_}",
                target="first_reply",
                due_at=now,
            )
    created_s = time.perf_counter() - start
    start = time.perf_counter()
    # Past the delay (2 min) and the grace the flush leaves live tasks (2 min).
    later = timezone.now() + dt.timedelta(minutes=5)
    flushed = 0
    while batch_done := notification_digests_flush(now=later):
        flushed += batch_done
    flush_s = time.perf_counter() - start
    sent = EmailDigest.objects.filter(status="sent").count()
    print(f"| notification_create, 5,000 for 500 agents | {created_s * 1000 / 5000:.2f} ms each |")
    print(f"| digests sent for them (flush) | {sent} emails in {flush_s:.2f} s ({flushed} due) |")


if __name__ == "__main__":
    main()
