"""The feedback report at scale: the page (/feedback/report/) and its API over HTTP on a SQLite
file with N ratings (default 100,000) over a year. Prints a markdown table, then one JSON line
for bench/run.py.

    .venv/bin/python bench/feedback_report.py [--ratings 100000] [--requests 50] [--reuse]

Built with bulk_create: 3 teams each answering one inbox, 12 agents, 20,000 customers, one
conversation per rating; 20 % more surveys sent than answered; ratings 70 % great, 18 % okay,
12 % not good; a recovery task for each "not good" (80 % closed, 0.5 to 60 hours later); an NPS
campaign of 10,000 invitations per inbox, 60 % answered. Every moment is spread over the last
365 days. The bench agent is an admin (sees everything, the dearest case); each page is asked
for `--requests` times after a warm-up, through uvicorn (bench.web_pages.start_server).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
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


def build(ratings: int, seed: int = 17) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from bench.web_pages import BENCH_AGENT, BENCH_PASSWORD
    from carefront.accounts.models import Agent, Role, Team
    from carefront.conversations.models import Conversation, Status
    from carefront.customers.models import Customer
    from carefront.feedback.models import (
        NpsCampaign,
        NpsInvitation,
        NpsResponse,
        Rating,
        RecoveryOutcome,
        RecoveryTask,
        Survey,
    )
    from carefront.feedback.models.nps import month_start, week_start
    from carefront.inboxes.models import Inbox

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    now = timezone.now()
    year = 365 * 24 * 60

    def moment() -> dt.datetime:
        return now - dt.timedelta(minutes=rng.randrange(1, year))

    # The dates are the point of this data: let bulk_create keep the ones given.
    for model in (Rating, RecoveryTask):
        model._meta.get_field("created_at").auto_now_add = False
    with transaction.atomic():
        Agent.objects.create_user(BENCH_AGENT, BENCH_PASSWORD, name="Bench Admin", role=Role.ADMIN)
        teams = [Team.objects.create(name=n) for n in ("North", "South", "West")]
        inboxes = []
        for i, team in enumerate(teams):
            inbox = Inbox.objects.create(name=f"Inbox {i}", email_address=f"inbox{i}@bench.test")
            inbox.teams.set([team])
            inboxes.append(inbox)
        agents = []
        for i in range(12):
            agent = Agent.objects.create_user(f"agent{i}@bench.test", None, name=f"Agent {i:02}")
            agent.teams.set([teams[i % 3]])
            agents.append(agent)
        customers = Customer.objects.bulk_create(
            [Customer(name=f"C {i}", email=f"c{i}@example.com") for i in range(20_000)],
            batch_size=5000,
        )
        surveys_total = ratings + ratings // 5
        conversations = []
        for i in range(surveys_total):
            k = rng.randrange(3)
            conversations.append(
                Conversation(
                    inbox=inboxes[k],
                    team=teams[k],
                    customer=rng.choice(customers),
                    subject=f"Order #{i}",
                    status=Status.SOLVED,
                    last_message_at=now,
                )
            )
        conversations = Conversation.objects.bulk_create(conversations, batch_size=5000)
        surveys = []
        for i, conversation in enumerate(conversations):
            sent = moment()
            surveys.append(
                Survey(
                    conversation=conversation,
                    customer_id=conversation.customer_id,
                    agent=agents[rng.randrange(4) * 3 + conversation.inbox_id % 3],
                    status="sent",
                    send_after=sent,
                    sent_at=sent,
                    token_salt=f"s{i}",
                    token_hash=f"h{i}",
                )
            )
        surveys = Survey.objects.bulk_create(surveys, batch_size=5000)
        rows, tasks = [], []
        for i, survey in enumerate(surveys[:ratings]):
            draw = rng.random()
            score = "great" if draw < 0.7 else "okay" if draw < 0.88 else "not_good"
            given = min(now, survey.sent_at + dt.timedelta(hours=rng.uniform(0.1, 48)))
            rows.append(
                Rating(
                    survey=survey,
                    conversation_id=survey.conversation_id,
                    customer_id=survey.customer_id,
                    agent_id=survey.agent_id,
                    score=score,
                    created_at=given,
                )
            )
            if score == "not_good":
                closed = None
                if rng.random() < 0.8:
                    closed = given + dt.timedelta(hours=rng.uniform(0.5, 60))
                tasks.append(
                    RecoveryTask(
                        source_kind="csat",
                        source_id=i + 1,
                        reason="bad_rating",
                        score="not_good",
                        customer_id=survey.customer_id,
                        conversation_id=survey.conversation_id,
                        inbox_id=conversations[i].inbox_id,
                        agent_id=survey.agent_id,
                        due_at=given + dt.timedelta(hours=24),
                        state="closed" if closed else "open",
                        outcome=rng.choice(RecoveryOutcome.values) if closed else "",
                        closed_at=closed,
                        created_at=given,
                    )
                )
        Rating.objects.bulk_create(rows, batch_size=5000)
        RecoveryTask.objects.bulk_create(tasks, batch_size=5000)
        for k, inbox in enumerate(inboxes):
            campaign = NpsCampaign.objects.create(
                name=f"NPS {k}", sender_inbox=inbox, status="sent"
            )
            invitations = NpsInvitation.objects.bulk_create(
                [
                    NpsInvitation(
                        campaign=campaign,
                        customer=customers[(k * 10_000 + j) % len(customers)],
                        status="sent",
                        sent_at=moment(),
                        token_salt=f"n{k}-{j}",
                        token_hash=f"nh{k}-{j}",
                    )
                    for j in range(10_000)
                ],
                batch_size=5000,
            )
            answers = []
            for invitation in invitations:
                if rng.random() < 0.6:
                    answered = min(now, invitation.sent_at + dt.timedelta(hours=rng.uniform(1, 72)))
                    answers.append(
                        NpsResponse(
                            invitation=invitation,
                            campaign=campaign,
                            customer_id=invitation.customer_id,
                            score=rng.choice([0, 3, 5, 6, 7, 8, 8, 9, 9, 10, 10, 10]),
                            answered_at=answered,
                            answered_week=week_start(answered),
                            answered_month=month_start(answered),
                            updated_at=answered,
                        )
                    )
            NpsResponse.objects.bulk_create(answers, batch_size=5000)
    call_command("migrate", verbosity=0)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def pages(today: dt.date) -> dict[str, str]:
    def q(days: int, period: str, by: str) -> str:
        since = today - dt.timedelta(days=days - 1)
        return f"since={since}&until={today}&period={period}&by={by}&tz=Europe/Berlin"

    return {
        "page, 30 days by week, by inbox": f"/feedback/report/?{q(30, 'week', 'inbox')}",
        "page, 90 days by day, by agent": f"/feedback/report/?{q(90, 'day', 'agent')}",
        "page, 365 days by month, by team": f"/feedback/report/?{q(365, 'month', 'team')}",
        "CSV by period, 365 days by week": f"/feedback/report/trend.csv?{q(365, 'week', 'inbox')}",
        "API, 365 days by month, by inbox": f"/api/v1/reports/feedback?{q(365, 'month', 'inbox')}",
    }


def measure(database: Path, requests: int, warmup: int = 3) -> dict:
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.web_pages import (
        BENCH_AGENT,
        Browser,
        _login,
        _percentile,
        start_server,
        stop_server,
    )
    from carefront.accounts.models import Agent
    from carefront.feedback.models import Rating

    today = timezone.now().date()
    paths = pages(today)
    result: dict = {"ratings": Rating.objects.count(), "requests": requests, "pages": {}}
    client = Client()
    client.force_login(Agent.objects.get(email=BENCH_AGENT))
    queries = {}
    for name, path in paths.items():
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        queries[name] = len(ctx.captured_queries) if response.status_code == 200 else -1
    server, port = start_server(database)
    try:
        browser = Browser(port)
        _login(browser)
        for name, path in paths.items():
            timings = []
            for i in range(warmup + requests):
                t0 = time.perf_counter()
                status, _body, _ = browser.request("GET", path)
                elapsed = (time.perf_counter() - t0) * 1000
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}")
                if i >= warmup:
                    timings.append(elapsed)
            result["pages"][name] = {
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(_percentile(timings, 95), 1),
                "queries": queries[name],
            }
    finally:
        stop_server(server)
    result["load_average"] = os.getloadavg()[0]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ratings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / f"feedback-report-{args.ratings}.sqlite3"
    if not (args.reuse and database.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        setup_django(database)
        started = time.perf_counter()
        build(args.ratings)
        print(
            f"built {args.ratings:,} ratings in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
    else:
        setup_django(database)
    result = measure(database, args.requests)
    print(f"| feedback report, {result['ratings']:,} ratings | p50 ms | p95 ms | queries |")
    print("|---|---|---|---|")
    for name, r in result["pages"].items():
        print(f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r['queries']} |")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
