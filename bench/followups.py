"""Follow-up promises at scale (issue 9): "My follow-ups" and the kept/broken records over many
promises, and due timers run by the real database queue.

    .venv/bin/python bench/followups.py [--promises 100000] [--timers 2000]

Builds `bench/out/followups.sqlite3` (bulk rows: 20 agents in one team, one conversation per
promise, a third of the promises outstanding, the rest kept, broken or cancelled), then times,
in-process, median of 20: the first page of an agent's outstanding promises, a page 40 pages
deep (keyset cursor), and the records of every agent (what a lead's "My follow-ups" shows);
with their query counts. Then `--timers` promises are made through `followup_create` with the
django-tasks-db queue, made due, and one `db_worker --batch` runs their timers: promises broken
per second, and how many were broken once (each must be). Prints one JSON line.
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def setup_django(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["CAREFRONT_DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()


def median_ms(call, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--promises", type=int, default=100_000)
    parser.add_argument("--timers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "followups.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    setup_django(database)

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.tasks import TaskResultStatus
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from carefront.accounts.models import Agent, Role, Team
    from carefront.conversations.models import Conversation, Status
    from carefront.customers.models import Customer
    from carefront.inboxes.models import Inbox
    from carefront.sla.models import FollowUp, FollowUpState
    from carefront.sla.selectors import followup_records, followups_outstanding
    from carefront.sla.services import followup_create

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        team = Team.objects.create(name="Frontline")
        inbox = Inbox.objects.create(name="Support", email_address="support@bench.test")
        inbox.teams.set([team])
        agents = [
            Agent.objects.create_user(f"agent{i}@bench.test", None, name=f"Agent {i}")
            for i in range(20)
        ]
        for agent in agents:
            agent.teams.set([team])
        lead = Agent.objects.create_user("lead@bench.test", None, name="Lead", role=Role.LEAD)
        customers = Customer.objects.bulk_create(
            [Customer(name=f"C {i}", email=f"c{i}@example.com") for i in range(5000)]
        )
        conversations = Conversation.objects.bulk_create(
            [
                Conversation(
                    inbox=inbox,
                    customer=rng.choice(customers),
                    subject=f"Order #{i}",
                    status=Status.SNOOZED,
                    last_message_at=now,
                )
                for i in range(args.promises)
            ],
            batch_size=5000,
        )
        rows = []
        for conversation in conversations:
            due = now + dt.timedelta(minutes=rng.randrange(-60 * 24 * 80, 60 * 24 * 20))
            state = rng.choice(
                [FollowUpState.OPEN] * 3
                + [FollowUpState.KEPT] * 4
                + [FollowUpState.BROKEN] * 2
                + [FollowUpState.CANCELLED]
            )
            if state == FollowUpState.OPEN and due < now:
                state = FollowUpState.BROKEN
            rows.append(
                FollowUp(
                    conversation=conversation,
                    owner=rng.choice(agents),
                    due_at=due,
                    state=state,
                    kept_at=due if state == FollowUpState.KEPT else None,
                    broken_at=due if state == FollowUpState.BROKEN else None,
                )
            )
        FollowUp.objects.bulk_create(rows, batch_size=5000)
    build_s = round(time.perf_counter() - started, 1)

    agent = agents[0]
    page = followups_outstanding(actor=agent, owner=agent)
    cursor = page.next_cursor
    for _ in range(39):
        cursor = followups_outstanding(actor=agent, owner=agent, cursor=cursor).next_cursor
    with CaptureQueriesContext(connection) as first_queries:
        followups_outstanding(actor=agent, owner=agent)
    with CaptureQueriesContext(connection) as record_queries:
        followup_records(actor=lead, now=now)
    result = {
        "promises": args.promises,
        "outstanding_of_agent": FollowUp.objects.filter(
            owner=agent, state__in=["open", "broken"], kept_at__isnull=True
        ).count(),
        "build_s": build_s,
        "first_page_ms": median_ms(lambda: followups_outstanding(actor=agent, owner=agent)),
        "page_40_ms": median_ms(
            lambda: followups_outstanding(actor=agent, owner=agent, cursor=cursor)
        ),
        "first_page_queries": len(first_queries.captured_queries),
        "records_all_agents_ms": median_ms(lambda: followup_records(actor=lead, now=now)),
        "records_queries": len(record_queries.captured_queries),
    }

    # Timers through the real queue.
    queue = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=queue):
        targets = conversations[: args.timers]
        Conversation.objects.filter(pk__in=[c.pk for c in targets]).update(status=Status.OPEN)
        made = [
            followup_create(
                conversation=c, owner=agent, due_at=now + dt.timedelta(hours=1), actor=agent
            )
            for c in targets
        ]
        ids = [f.pk for f in made]
        past = timezone.now() - dt.timedelta(seconds=1)
        FollowUp.objects.filter(pk__in=ids).update(due_at=past)
        Conversation.objects.filter(pk__in=[c.pk for c in targets]).update(snoozed_until=past)
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=past)
        started = time.perf_counter()
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="bench-worker",
            excluded_queue_names=[],
        ).run()
        elapsed = time.perf_counter() - started
        broken = FollowUp.objects.filter(pk__in=ids, state=FollowUpState.BROKEN).count()
        result.update(
            {
                "timers": args.timers,
                "timer_tasks_run": DBTaskResult.objects.filter(
                    status=TaskResultStatus.SUCCESSFUL
                ).count(),
                "timers_s": round(elapsed, 1),
                "broken_per_s": round(broken / elapsed, 1) if elapsed else None,
                "broken_once": broken,
                "woken_and_assigned": Conversation.objects.filter(
                    pk__in=[c.pk for c in targets], status=Status.OPEN, assignee=agent
                ).count(),
            }
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
