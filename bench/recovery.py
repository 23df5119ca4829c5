"""Recovery tasks at scale: the lead's list (each filter, a deep page), the inbox rows' flag and
the 30-day report, timed in-process on a SQLite file with N tasks. Prints a markdown table,
then one JSON line for bench/run.py.

    .venv/bin/python bench/recovery.py [--tasks 100000] [--reuse]

Built with bulk_create (3 inboxes with their conversations, 20,000 customers, 3 leads, 10
agents; tasks opened over a year, 25 % open, owners spread over the leads, 5 % unowned). Each
measurement is the median of 20 runs of the selector (rows fetched, no template), with its
query count: the count must not depend on N, the time should not either.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def setup_django(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["CAREFRONT_DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()


def build(tasks: int, seed: int = 11) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from carefront.accounts.models import Agent, Role, Team
    from carefront.conversations.models import Conversation, Status
    from carefront.customers.models import Customer
    from carefront.feedback.models import RecoveryOutcome, RecoveryTask
    from carefront.inboxes.models import Inbox

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        team = Team.objects.create(name="Frontline")
        inboxes = [
            Inbox.objects.create(name=n, email_address=f"{n.lower()}@bench.test")
            for n in ("Support", "Billing", "Partners")
        ]
        leads = [
            Agent.objects.create_user(f"lead{i}@bench.test", None, name=f"Lead {i}", role=Role.LEAD)
            for i in range(3)
        ]
        team.members.set(leads)
        agents = [
            Agent.objects.create_user(f"agent{i}@bench.test", None, name=f"Agent {i}")
            for i in range(10)
        ]
        customers = Customer.objects.bulk_create(
            [Customer(name=f"C {i}", email=f"c{i}@example.com") for i in range(20_000)],
            batch_size=5000,
        )
        conversations = Conversation.objects.bulk_create(
            [
                Conversation(
                    inbox=rng.choice(inboxes),
                    customer=rng.choice(customers),
                    subject=f"Order #{i}",
                    status=Status.SOLVED,
                    last_message_at=now,
                )
                for i in range(tasks)
            ],
            batch_size=5000,
        )
        owners = [*leads, *leads, *leads, None]  # ~8 % unowned
        outcomes = RecoveryOutcome.values
        rows = []
        for i, conversation in enumerate(conversations):
            created = now - dt.timedelta(minutes=rng.randrange(1, 365 * 24 * 60))
            due = created + dt.timedelta(hours=8)
            is_open = rng.random() < 0.25
            closed = None if is_open else created + dt.timedelta(hours=rng.uniform(0.5, 30))
            rows.append(
                RecoveryTask(
                    source_kind="csat",
                    source_id=i + 1,
                    reason="bad_rating",
                    score="not_good",
                    comment="Still not arrived",
                    customer_id=conversation.customer_id,
                    conversation=conversation,
                    inbox_id=conversation.inbox_id,
                    agent=rng.choice(agents),
                    owner=rng.choice(owners),
                    due_at=due,
                    state="open" if is_open else "closed",
                    outcome="" if is_open else rng.choice(outcomes),
                    closed_at=closed,
                    closed_by=None if is_open else leads[0],
                )
            )
        RecoveryTask.objects.bulk_create(rows, batch_size=5000)
        # bulk_create sets created_at to now: spread the openings over the year.
        RecoveryTask.objects.update(created_at=F("due_at") - dt.timedelta(hours=8))
    call_command("migrate", verbosity=0)


def measure(rounds: int = 20) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from carefront.accounts.models import Agent
    from carefront.feedback.models import RecoveryTask
    from carefront.feedback.reports import recovery_report
    from carefront.feedback.selectors import (
        RecoveryFilters,
        open_recovery_conversation_ids,
        recovery_task_page,
    )

    lead = Agent.objects.get(email="lead0@bench.test")
    from django.utils import timezone

    now = timezone.now()

    def deep_cursor(filters: RecoveryFilters) -> str | None:
        cursor = None
        for _ in range(10):
            cursor = recovery_task_page(actor=lead, filters=filters, cursor=cursor).next_cursor
        return cursor

    cases = {
        "mine, open (default)": (RecoveryFilters(), None),
        "mine, open, 11th page": (RecoveryFilters(), deep_cursor(RecoveryFilters())),
        "everyone, overdue": (RecoveryFilters(owner="anyone", overdue=True), None),
        "unowned, open": (RecoveryFilters(owner="unowned"), None),
        "mine, closed": (RecoveryFilters(state="closed"), None),
        "everyone, closed, one inbox": (
            RecoveryFilters(state="closed", owner="anyone", inbox_id=1),
            None,
        ),
    }
    results = {}
    for name, (filters, cursor) in cases.items():
        samples = []
        for _ in range(rounds):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                page = recovery_task_page(actor=lead, filters=filters, cursor=cursor)
                samples.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "ms": round(statistics.median(samples), 2),
            "queries": len(ctx.captured_queries),
            "rows": len(page.items),
        }
    ids = list(RecoveryTask.objects.order_by("-id").values_list("conversation_id", flat=True)[:25])
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        open_recovery_conversation_ids(conversation_ids=ids)
        samples.append((time.perf_counter() - started) * 1000)
    results["inbox rows' flag (25 conversations)"] = {
        "ms": round(statistics.median(samples), 2),
        "queries": 1,
        "rows": 25,
    }
    samples = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            report = recovery_report(actor=lead, since=now - dt.timedelta(days=30), now=now)
            samples.append((time.perf_counter() - started) * 1000)
    results["report, last 30 days"] = {
        "ms": round(statistics.median(samples), 2),
        "queries": len(ctx.captured_queries),
        "rows": report.opened,
    }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / f"recovery-{args.tasks}.sqlite3"
    if not (args.reuse and database.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        setup_django(database)
        started = time.perf_counter()
        build(args.tasks)
        print(
            f"built {args.tasks:,} tasks in {time.perf_counter() - started:.0f} s", file=sys.stderr
        )
    else:
        setup_django(database)
    results = measure()
    print(f"| {args.tasks:,} recovery tasks | median ms | queries | rows |")
    print("|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['ms']} | {r['queries']} | {r['rows']} |")
    print(json.dumps({"tasks": args.tasks, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
