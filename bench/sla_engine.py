"""SLA engine benchmarks (issue 9): the bulk recompute of 100,000 conversations, and 10,000 timers
coming due within a minute, run by real django-tasks-db workers.

    .venv/bin/python bench/sla_engine.py recompute [--conversations 100000]
    .venv/bin/python bench/sla_engine.py timers [--timers 10000] [--workers 2]

`recompute` migrates a fresh SQLite file (`bench/out/sla-recompute.sqlite3`), fills it with
`bulk_create` (3 business calendars with German/US holidays and a lunch break, 4 policies
matching on priority, a customer attribute, a tag or nothing, business and calendar time, 20 %
of the conversations pending, tags on 10 %), then times `sla_conversations_reapply` over every
open conversation in batches of 1,000, exactly what `sla_reapply_task` does after a policy
change: policy match, targets, due and at-risk times in business time, the writes (targets, the
conversations' SLA summary) and a timer row per at-risk and due moment in the queue. A second
pass, after the default policy's targets change, times the update path (every running target
re-planned with its spent time kept). Target: <= 10 s for the first.

`timers` fills a fresh SQLite file with conversations whose first-reply clocks (1 minute, no
at-risk lead) were started over 54 seconds, so their due timers come due spread over the next
minute, then starts `--workers` real `manage.py db_worker` processes and waits until every timer
task has run. Counts: timers fired, fired twice (never: a conditional UPDATE), tasks not run,
and the worst lag between a timer's moment and its task's end.

Prints one JSON line (the last line of stdout). A benchmark, not a test.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))


def _django(database: Path, fresh: bool = True) -> None:
    if fresh and database.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["CAREFRONT_DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _calendars(inboxes) -> None:
    from carefront.sla.models import BusinessCalendar, InboxCalendar, OpeningInterval

    lunch = [(9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60 + 30)]
    specs = [
        ("Berlin", "Europe/Berlin", "DE", "BY", lunch),
        ("New York", "America/New_York", "US", "NY", [(9 * 60, 17 * 60)]),
        ("Sydney", "Australia/Sydney", "AU", "NSW", [(8 * 60, 18 * 60)]),
    ]
    for inbox, (name, zone, country, region, day) in zip(inboxes, specs, strict=True):
        calendar = BusinessCalendar.objects.create(
            name=name, time_zone=zone, holiday_country=country, holiday_subdivision=region
        )
        OpeningInterval.objects.bulk_create(
            OpeningInterval(calendar=calendar, weekday=w, start_minute=s, end_minute=e)
            for w in range(5)
            for s, e in day
        )
        InboxCalendar.objects.create(inbox=inbox, calendar=calendar)


def _conversations(n: int, *, rng: random.Random, inboxes, pending_share: float, tag=None):
    """`n` conversations waiting since a moment of the last three days."""
    from django.utils import timezone

    from carefront.conversations.models import Conversation, Priority
    from carefront.customers.models import Customer

    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(
            name=f"Customer {i}",
            email=f"c{i}@example.com",
            attributes={"plan": "enterprise"} if i % 7 == 0 else {"plan": "basic"},
        )
        for i in range(max(n // 5, 1))
    )
    priorities = [Priority.LOW] * 15 + [Priority.NORMAL] * 65 + [Priority.HIGH] * 15
    priorities += [Priority.URGENT] * 5
    rows = []
    for i in range(n):
        waiting = now - __import__("datetime").timedelta(seconds=rng.randrange(3 * 86400))
        rows.append(
            Conversation(
                inbox=inboxes[i % len(inboxes)],
                customer=customers[i % len(customers)],
                subject=f"Question {i}",
                status="pending" if rng.random() < pending_share else "open",
                priority=rng.choice(priorities),
                waiting_since=waiting,
                last_message_at=waiting,
                message_count=1,
            )
        )
    created = Conversation.objects.bulk_create(rows, batch_size=5000)
    if tag is not None:
        through = Conversation.tags.through
        through.objects.bulk_create(
            [through(conversation_id=c.pk, tag_id=tag.pk) for c in created[::10]], batch_size=5000
        )
    return created


def recompute(conversations: int, seed: int) -> dict:
    database = OUT / "sla-recompute.sqlite3"
    _django(database)
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from carefront.conversations.models import Conversation, Priority, Tag
    from carefront.inboxes.models import Inbox
    from carefront.sla.models import SlaPolicy, SlaTarget
    from carefront.sla.services.targets import open_conversation_ids, sla_conversations_reapply

    rng = random.Random(seed)
    inboxes = [
        Inbox.objects.create(name=f"Inbox {i}", email_address=f"in{i}@example.com")
        for i in range(3)
    ]
    _calendars(inboxes)
    outage = Tag.objects.create(name="outage")
    SlaPolicy.objects.create(
        name="Urgent",
        position=1,
        priorities=[Priority.URGENT],
        first_reply_minutes=30,
        first_reply_basis="calendar",
        next_reply_minutes=60,
        resolution_minutes=240,
        resolution_basis="calendar",
        at_risk_minutes=10,
    )
    enterprise = SlaPolicy.objects.create(
        name="Enterprise",
        position=2,
        customer_attribute="plan",
        customer_attribute_value="enterprise",
        first_reply_minutes=60,
        next_reply_minutes=120,
        resolution_minutes=960,
    )
    SlaPolicy.objects.create(name="Outage", position=3, first_reply_minutes=45).tags.add(outage)
    default = SlaPolicy.objects.create(
        name="Default",
        position=9,
        first_reply_minutes=240,
        next_reply_minutes=480,
        resolution_minutes=2400,
    )
    _conversations(conversations, rng=rng, inboxes=inboxes, pending_share=0.2, tag=outage)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def run_all() -> tuple[float, float, int, int]:
        started, cpu = time.perf_counter(), time.process_time()
        written, batches, after = 0, 0, 0
        while ids := open_conversation_ids(after_id=after, limit=1000):
            written += sla_conversations_reapply(conversation_ids=ids)
            after, batches = ids[-1], batches + 1
        return time.perf_counter() - started, time.process_time() - cpu, written, batches

    first_s, first_cpu, created, batches = run_all()
    timers = DBTaskResult.objects.count()
    with_due = Conversation.objects.exclude(sla_due_at=None).count()
    # The default policy tightens: every target it runs is re-planned, spent time kept.
    default.first_reply_minutes, default.resolution_minutes = 120, 1440
    default.save()
    second_s, second_cpu, updated, _ = run_all()
    return {
        "conversations": conversations,
        "batches": batches,
        "targets_created": created,
        "timers_queued": timers,
        "conversations_with_due_time": with_due,
        "first_pass_s": round(first_s, 2),
        "first_pass_cpu_s": round(first_cpu, 2),
        "per_second": round(conversations / first_s),
        "second_pass_targets_updated": updated,
        "second_pass_s": round(second_s, 2),
        "second_pass_cpu_s": round(second_cpu, 2),
        "targets": SlaTarget.objects.count(),
        "enterprise_policy_targets": SlaTarget.objects.filter(policy=enterprise).count(),
    }


def timers(count: int, workers: int, seed: int, wait_s: float) -> dict:
    import datetime as dt

    database = OUT / "sla-timers.sqlite3"
    _django(database)
    from django.db.models import Count, Max
    from django.tasks import TaskResultStatus
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from carefront.inboxes.models import Inbox
    from carefront.sla.models import SlaPolicy, SlaTarget
    from carefront.sla.services.targets import sla_conversations_reapply

    rng = random.Random(seed)
    inbox = Inbox.objects.create(name="Support", email_address="support@example.com")
    SlaPolicy.objects.create(
        name="One minute", first_reply_minutes=1, first_reply_basis="calendar", at_risk_minutes=0
    )
    conversations = _conversations(count, rng=rng, inboxes=[inbox], pending_share=0.0)
    # Clocks started over 54 s ending 6 s from now: due over the coming minute.
    t0 = timezone.now() - dt.timedelta(seconds=48)
    step = max(count // 10, 1)
    for i in range(0, count, step):
        ids = [c.pk for c in conversations[i : i + step]]
        sla_conversations_reapply(
            conversation_ids=ids, now=t0 + dt.timedelta(seconds=6 * (i // step))
        )
    queued = DBTaskResult.objects.count()
    first_due, last_due = (
        SlaTarget.objects.order_by("due_at").values_list("due_at", flat=True).first(),
        SlaTarget.objects.order_by("-due_at").values_list("due_at", flat=True).first(),
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "CAREFRONT_DATABASE_URL": f"sqlite:///{database}",
    }
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--interval",
                "0.2",
                "--no-startup-delay",
                "--worker-id",
                f"bench-sla-{n}",
                "-v",
                "0",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for n in range(workers)
    ]
    started = time.time()
    try:
        while time.time() - started < wait_s:
            time.sleep(1)
            left = DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).count()
            if left == 0 and timezone.now() > last_due:
                break
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    done = DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL)
    returns = dict(done.values_list("return_value").annotate(n=Count("pk")))
    lags = [
        (finished - run_after).total_seconds()
        for finished, run_after in done.values_list("finished_at", "run_after")
    ]
    lags.sort()
    fired = SlaTarget.objects.exclude(breach_fired_at=None).count()
    return {
        "timers": count,
        "queued": queued,
        "due_spread_s": round((last_due - first_due).total_seconds(), 1),
        "workers": workers,
        "fired": fired,
        "task_returns": returns,
        "fired_twice": returns.get("fired", 0) - fired,
        "not_run": DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).count(),
        "lag_p50_s": round(lags[len(lags) // 2], 2) if lags else None,
        "lag_p95_s": round(lags[int(len(lags) * 0.95)], 2) if lags else None,
        "lag_max_s": round(lags[-1], 2) if lags else None,
        "all_done_after_last_due_s": round(
            (done.aggregate(m=Max("finished_at"))["m"] - last_due).total_seconds(),
            2,
        )
        if done.exists()
        else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["recompute", "timers"])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--wait", type=float, default=240.0, help="timers: give up after")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.mode == "recompute":
        result = recompute(args.conversations, args.seed)
    else:
        result = timers(args.timers, args.workers, args.seed, args.wait)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
