"""Held mail at 100,000 rows: how long the admin list, a deep page, a search and the counts take.

    .venv/bin/python bench/held_mail.py [--rows 100000] [--database postgres://...]

Fills a fresh SQLite file (bench/out/held.sqlite3) or the given PostgreSQL database with held
raw rows (mixed reasons, a few released), then times each read 20 times and prints the median.
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
    database = OUT / "held.sqlite3"
    if not args.database and database.exists():
        database.unlink()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["CAREFRONT_DATABASE_URL"] = args.database or f"sqlite:///{database}"
    os.environ["CAREFRONT_MEDIA_ROOT"] = str(OUT / "media")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.utils import timezone

    from carefront.accounts.models import Role
    from carefront.accounts.tests.factories import AgentFactory
    from carefront.inboxes.models import HoldReason, RawInbound
    from carefront.inboxes.selectors import held_mail_counts, held_mail_list

    call_command("migrate", verbosity=0)
    RawInbound.objects.all().delete()
    admin = AgentFactory(role=Role.ADMIN)
    reasons = [r for r in HoldReason.values if r]
    now = timezone.now()
    batch = []
    for i in range(args.rows):
        batch.append(
            RawInbound(
                source="bench",
                data=b"x",
                size=1,
                status="rejected",
                hold_reason=reasons[i % 3] if i % 50 else reasons[i % len(reasons)],
                from_address=f"sender{i % 5000}@example{i % 7}.com",
                subject=f"Automatic reply: question {i}",
                sent_at=now - dt.timedelta(minutes=i),
                message_id=f"m{i}@example.com",
                released_at=now if i % 97 == 0 else None,
            )
        )
        if len(batch) == 5000:
            RawInbound.objects.bulk_create(batch)
            batch.clear()
    RawInbound.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does after a bulk insert; without it no index-only scans.
            cursor.execute("VACUUM ANALYZE inboxes_rawinbound")
    deep = held_mail_list(actor=admin, limit=50)
    for _ in range(400):  # 20,000 rows down
        deep = held_mail_list(actor=admin, limit=50, cursor=deep.next_cursor)

    def timed(label, call):
        times = []
        for _ in range(20):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        print(f"| {label} | {statistics.median(times):.2f} ms |")

    print(f"| held mail, {args.rows:,} rows ({connection.vendor}) | median of 20 |")
    print("|---|---|")
    timed("first page", lambda: held_mail_list(actor=admin))
    timed("page 401 (cursor)", lambda: held_mail_list(actor=admin, cursor=deep.next_cursor))
    timed("one reason, first page", lambda: held_mail_list(actor=admin, reason="duplicate"))
    timed("rare reason (too_large)", lambda: held_mail_list(actor=admin, reason="too_large"))
    timed("search, many matches", lambda: held_mail_list(actor=admin, query="example3"))
    timed("search, one match", lambda: held_mail_list(actor=admin, query="question 99999"))
    timed("counts per reason", lambda: held_mail_counts(actor=admin))
    reset_queries()


if __name__ == "__main__":
    main()
