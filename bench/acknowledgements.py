"""The acknowledgement's cost on every new conversation, on a busy inbox.

    .venv/bin/python bench/acknowledgements.py [--replies 20000] [--waiting 2000]
                                              [--sends 200] [--database postgres://...]

Fills a fresh SQLite file (bench/out/acks.sqlite3) or the given PostgreSQL database with one
inbox on a Berlin office calendar, `--replies` first-reply times of the last 7 days (more than
the estimate reads: it takes the newest 2,000) and `--waiting` conversations waiting for a first
reply (it counts at most 1,000). Then times `acknowledgement_estimate` cold (the inbox's figures
not cached: the two bounded queries) and warm, and `acknowledgement_send` end to end (estimate,
text, message, outbox row; delivery not included) for `--sends` new conversations, with the
queries each makes. Prints one JSON line (medians and p95 in ms).
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def _ms(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replies", type=int, default=20_000)
    parser.add_argument("--waiting", type=int, default=2000)
    parser.add_argument("--sends", type=int, default=200)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "acks.sqlite3"
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
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from carefront.accounts.models import Role
    from carefront.accounts.tests.factories import AgentFactory
    from carefront.conversations.models import Conversation, Status
    from carefront.conversations.tests.factories import receive
    from carefront.customers.models import Customer
    from carefront.inboxes.tests.factories import InboxFactory
    from carefront.sla.models import FirstReplyTime
    from carefront.sla.services import business_calendar_create
    from carefront.sla.services.acknowledgements import (
        acknowledgement_estimate,
        acknowledgement_send,
    )

    call_command("migrate", verbosity=0)
    admin = AgentFactory(role=Role.ADMIN)
    inbox = InboxFactory(send_acknowledgement=False)  # no task per setup conversation
    business_calendar_create(
        actor=admin,
        name=f"Berlin office {inbox.pk}",
        time_zone="Europe/Berlin",
        hours={day: [(9 * 60, 17 * 60)] for day in range(5)},
        inboxes=[inbox],
    )
    now = timezone.now()
    customer = Customer.objects.create(name="Bench", email="bench@example.com")
    rows = args.replies + args.waiting
    conversations = Conversation.objects.bulk_create(
        Conversation(
            inbox=inbox,
            customer=customer,
            subject=f"Question {n}",
            status=Status.OPEN if n >= args.replies else Status.SOLVED,
            last_message_at=now - dt.timedelta(minutes=n % 10_000),
            waiting_since=now - dt.timedelta(minutes=n % 600) if n >= args.replies else None,
        )
        for n in range(rows)
    )
    FirstReplyTime.objects.bulk_create(
        FirstReplyTime(
            conversation=conversation,
            inbox=inbox,
            arrived_at=now - dt.timedelta(days=6, minutes=n % 5000),
            replied_at=now - dt.timedelta(minutes=n % 10_000),
            business_seconds=600 + (n * 37) % 7200,
        )
        for n, conversation in enumerate(conversations[: args.replies])
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    sample = receive(inbox).conversation
    cold, warm = [], []
    for _ in range(20):
        cache.clear()
        started = time.perf_counter()
        acknowledgement_estimate(conversation=sample, now=timezone.now())
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        acknowledgement_estimate(conversation=sample, now=timezone.now())
        warm.append(time.perf_counter() - started)
    inbox.send_acknowledgement = True
    inbox.save(update_fields=["send_acknowledgement"])
    sends, queries = [], []
    for n in range(args.sends):
        conversation = receive(inbox, from_address=f"customer{n}@example.org").conversation
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            acknowledgement = acknowledgement_send(conversation_id=conversation.pk)
            sends.append(time.perf_counter() - started)
        if acknowledgement is None:
            raise SystemExit(f"conversation {conversation.pk} was not acknowledged")
        queries.append(len(captured.captured_queries))
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "first_replies": args.replies,
                "waiting": args.waiting,
                "estimate_cold": _ms(cold),
                "estimate_warm": _ms(warm),
                "send": _ms(sends),
                "send_queries": sorted(set(queries)),
            }
        )
    )


if __name__ == "__main__":
    main()
