"""Web page benchmark: inbox and conversation pages over real HTTP, on a large SQLite database.

    .venv/bin/python bench/web_pages.py build --conversations 100000 --database PATH
    .venv/bin/python bench/web_pages.py migrate --database PATH   (a reused one)
    .venv/bin/python bench/web_pages.py queries --database PATH
    .venv/bin/python bench/web_pages.py http --database PATH [--requests 200]

`build` writes rows directly with bulk_create (fast; the demo goes through services instead); open
conversations get SLA due times (`sla_due_at`, `sla_at_risk_at`) as the SLA engine would write
them, so the inbox shows countdowns and `?sort=due` / `?sla=breached` have work to do.
`queries` renders the pages in-process under CaptureQueriesContext and prints the SQL counts.
`http` starts uvicorn on 127.0.0.1 (a free port), logs in through the login form and times
GET / and GET /c/<id>/. Each prints one JSON object on its last stdout line; bench/run.py runs
them and prints the table. (Named web_pages, not http: a bench/http.py would shadow the stdlib.)
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_AGENT = "bench-agent@carefront.test"
BENCH_PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway account in a throwaway database
THREAD_LENGTH = 20
CUSTOMERS_PER_CONVERSATION = 5  # 100k conversations -> 20k customers


def setup_django(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["CAREFRONT_DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()


# --- build ---------------------------------------------------------------------------------------


def build(database: Path, conversations: int, seed: int = 7) -> dict:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    setup_django(database)
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from carefront.accounts.models import Agent, Role, Team
    from carefront.conversations.models import (
        Conversation,
        Direction,
        Message,
        Priority,
        Status,
        Tag,
    )
    from carefront.customers.models import Customer, CustomerIdentity
    from carefront.inboxes.models import Inbox

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        teams = [Team.objects.create(name=n) for n in ("Frontline", "Billing", "Partners")]
        inboxes = []
        for i, name in enumerate(["Support", "Billing", "Partners"]):
            inbox = Inbox.objects.create(name=name, email_address=f"{name.lower()}@bench.test")
            inbox.teams.set([teams[i]])
            inboxes.append(inbox)
        # The measured agent is an ordinary agent (scoped lists: the expensive case) in two teams.
        agent = Agent.objects.create_user(
            BENCH_AGENT, BENCH_PASSWORD, name="Bench Agent", role=Role.AGENT
        )
        agent.teams.set(teams[:2])
        colleagues = [
            Agent.objects.create_user(f"agent{i}@bench.test", None, name=f"Agent {i}")
            for i in range(8)
        ]
        for i, colleague in enumerate(colleagues):
            colleague.teams.set([teams[i % 3]])
        assignees = [None, None, agent, *colleagues]
        tags = Tag.objects.bulk_create([Tag(name=f"tag{i}") for i in range(20)])

        n_customers = max(1, conversations // CUSTOMERS_PER_CONVERSATION)
        customers = Customer.objects.bulk_create(
            [
                Customer(name=f"Customer {i}", email=f"customer{i}@example.com")
                for i in range(n_customers)
            ],
            batch_size=5000,
        )
        CustomerIdentity.objects.bulk_create(
            [CustomerIdentity(customer=c, value=c.email) for c in customers], batch_size=5000
        )
        statuses = [Status.OPEN] * 3 + [Status.PENDING] * 2 + [Status.SOLVED] * 4 + [Status.CLOSED]
        # Most conversations are normal; a few are urgent (what "Highest priority first" digs out).
        priorities = (
            [Priority.LOW] * 3 + [Priority.NORMAL] * 13 + [Priority.HIGH] * 3 + [Priority.URGENT]
        )
        batch = 5000
        for start in range(0, conversations, batch):
            rows = []
            for i in range(start, min(start + batch, conversations)):
                last = now - dt.timedelta(minutes=rng.randrange(1, 60 * 24 * 90))
                status = rng.choice(statuses)
                due, at_risk = _sla_times(rng, now, status)
                rows.append(
                    Conversation(
                        sla_due_at=due,
                        sla_at_risk_at=at_risk,
                        inbox=rng.choice(inboxes),
                        customer=rng.choice(customers),
                        subject=f"Question about order #{100000 + i}",
                        status=status,
                        priority=rng.choice(priorities),
                        assignee=rng.choice(assignees),
                        waiting_since=last if status == Status.OPEN else None,
                        last_message_at=last,
                        message_count=1,
                        preview="I ordered a desk lamp last week and it has not arrived yet.",
                    )
                )
            created = Conversation.objects.bulk_create(rows)
            Message.objects.bulk_create(
                [
                    Message(
                        conversation=c,
                        direction=Direction.INCOMING,
                        customer_id=c.customer_id,
                        from_name="Customer",
                        from_address=f"customer{c.customer_id}@example.com",
                        subject=c.subject,
                        message_id=f"bench.{c.pk}@example.com",
                        body_text="I ordered a desk lamp last week and it has not arrived yet.",
                        reply_text="I ordered a desk lamp last week and it has not arrived yet.",
                        created_at=c.last_message_at,
                    )
                    for c in created
                ]
            )
            Conversation.tags.through.objects.bulk_create(
                [
                    Conversation.tags.through(conversation_id=c.pk, tag_id=rng.choice(tags).pk)
                    for c in created
                    if rng.random() < 0.3
                ]
            )
        # The conversation page target: 20 messages, in the agent's inbox, open, recent.
        target = Conversation.objects.create(
            inbox=inboxes[0],
            customer=customers[0],
            subject="A long conversation",
            status=Status.OPEN,
            assignee=agent,
            waiting_since=now,
            last_message_at=now,
            message_count=THREAD_LENGTH,
            preview="Thanks, one more question.",
        )
        Message.objects.bulk_create(
            [
                Message(
                    conversation=target,
                    direction=Direction.INCOMING if k % 2 == 0 else Direction.OUTGOING,
                    customer=customers[0] if k % 2 == 0 else None,
                    author=None if k % 2 == 0 else agent,
                    from_name="Customer 0" if k % 2 == 0 else "Bench Agent",
                    from_address="customer0@example.com" if k % 2 == 0 else "support@bench.test",
                    subject="Re: A long conversation",
                    message_id=f"thread.{k}@example.com",
                    body_text=f"Message {k} of the long conversation.\n\n> quoted text\n" * 5,
                    reply_text=f"Message {k} of the long conversation.",
                    created_at=now - dt.timedelta(hours=THREAD_LENGTH - k),
                )
                for k in range(THREAD_LENGTH)
            ]
        )
    with connection_cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {
        "bench": "build",
        "conversations": Conversation.objects.count(),
        "messages": Message.objects.count(),
        "customers": Customer.objects.count(),
        "target_conversation": target.pk,
        "seconds": round(time.perf_counter() - started, 1),
        "database_mb": round(database.stat().st_size / 1e6, 1),
    }


def _sla_times(rng: random.Random, now: dt.datetime, status: str):
    """An open conversation's next SLA due time, as the engine would store it: most are due
    within the next 8 hours (at risk 30 minutes before), about one in five is breached, and
    a fifth have no running target (no policy, or met). Others: none (paused or finished)."""
    if status != "open" or rng.random() < 0.2:
        return None, None
    due = now + dt.timedelta(minutes=rng.randrange(-120, 8 * 60))
    return due, due - dt.timedelta(minutes=30)


def _fill_sla_times(seed: int = 11) -> int:
    """A database built before SLA due times existed gets them (once)."""
    from django.db import transaction
    from django.utils import timezone

    from carefront.conversations.models import Conversation, Status

    if Conversation.objects.filter(sla_due_at__isnull=False).exists():
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    changed = []
    for pk in Conversation.objects.filter(status=Status.OPEN).values_list("pk", flat=True):
        due, at_risk = _sla_times(rng, now, Status.OPEN)
        if due is not None:
            changed.append(Conversation(pk=pk, sla_due_at=due, sla_at_risk_at=at_risk))
    with transaction.atomic():
        Conversation.objects.bulk_update(changed, ["sla_due_at", "sla_at_risk_at"], batch_size=2000)
    return len(changed)


def migrate(database: Path) -> dict:
    """Bring a reused database up to the current migrations (and bench data added since, such
    as SLA due times), and re-ANALYZE if anything changed."""
    setup_django(database)
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    pending = MigrationExecutor(connection).migration_plan(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    )
    call_command("migrate", verbosity=0)
    if _fill_sla_times():
        pending = [*pending, "sla times"]
    if pending:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"bench": "migrate", "applied": len(pending)}


def connection_cursor():
    from django.db import connection

    return connection.cursor()


def _target_conversation() -> int:
    from carefront.conversations.models import Conversation

    return Conversation.objects.get(subject="A long conversation").pk


# --- query counts --------------------------------------------------------------------------------


def queries(database: Path) -> dict:
    setup_django(database)
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from carefront.accounts.models import Agent
    from carefront.conversations.models import Conversation

    setup_test_environment()
    client = Client()
    client.force_login(Agent.objects.get(email=BENCH_AGENT))
    target = _target_conversation()
    pages = {
        "inbox": "/",
        "inbox_priority": "/?sort=priority",
        "inbox_due": "/?sort=due",
        "inbox_breached": "/?sla=breached",
        "conversation": f"/c/{target}/",
    }
    result = {"bench": "queries", "conversations": Conversation.objects.count()}
    for name, url in pages.items():
        # Cold: nothing cached (rendered messages, sessions, the lists of teams, agents...).
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        result[f"{name}_status"] = response.status_code
        result[f"{name}_cold_queries"] = len(cold)
        result[f"{name}_queries"] = len(captured)
        result[f"{name}_sql"] = [
            {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:300]}
            for q in captured.captured_queries
        ]
    return result


# --- HTTP ----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A minimal cookie-keeping HTTP/1.1 client on one keep-alive connection to 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, dict]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())


def _wait_for_server(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("uvicorn did not start in time")


def _login(browser: Browser) -> None:
    status, page, _ = browser.request("GET", "/login/")
    if status != 200:
        raise RuntimeError(f"GET /login/ answered {status}")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on the login page")
    status, _, headers = browser.request(
        "POST",
        "/login/",
        {
            "csrfmiddlewaretoken": match.group(1),
            "username": BENCH_AGENT,
            "password": BENCH_PASSWORD,
        },
    )
    if status != 302 or headers.get("Location", "").startswith("/login"):
        raise RuntimeError(f"login failed: {status} {headers.get('Location')}")


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def start_server(
    database: Path, *, workers: int = 1, extra_env: dict | None = None
) -> tuple[subprocess.Popen, int]:
    """uvicorn serving `database` with the bench settings on a free loopback port, once it
    accepts connections."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "CAREFRONT_DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "config.asgi:application"),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
            *("--no-access-log", "--log-level", "warning", "--lifespan", "off"),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for_server(port, server)
    except BaseException:
        stop_server(server)
        raise
    return server, port


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def http_bench(database: Path, requests: int, warmup: int = 10, no_cache: bool = False) -> dict:
    """`no_cache` serves with Django's dummy cache: every page as a first view would be."""
    setup_django(database)
    target = _target_conversation()
    server, port = start_server(database, extra_env={"BENCH_NO_CACHE": "1" if no_cache else ""})
    try:
        browser = Browser(port)
        _login(browser)
        result = {
            "bench": "http",
            "requests": requests,
            "target_conversation": target,
            "no_cache": no_cache,
        }
        pages = {
            "inbox": "/",
            "inbox_priority": "/?sort=priority",
            "inbox_due": "/?sort=due",
            "inbox_breached": "/?sla=breached",
            "conversation": f"/c/{target}/",
        }
        # Round-robin: on a shared machine, load comes and goes; every page then sees the same
        # share of it, so the pages' figures compare.
        timings: dict[str, list[float]] = {name: [] for name in pages}
        sizes: dict[str, int] = {}
        for i in range(warmup + requests):
            for name, path in pages.items():
                t0 = time.perf_counter()
                status, body, _ = browser.request("GET", path)
                elapsed = (time.perf_counter() - t0) * 1000
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}")
                if i >= warmup:
                    timings[name].append(elapsed)
                sizes[name] = len(body.encode())
        for name, samples in timings.items():
            result[f"{name}_p50_ms"] = round(statistics.median(samples), 1)
            result[f"{name}_p95_ms"] = round(_percentile(samples, 95), 1)
            result[f"{name}_max_ms"] = round(max(samples), 1)
            result[f"{name}_bytes"] = sizes[name]
        return result
    finally:
        stop_server(server)


# --- search and folder counts --------------------------------------------------------------------


def search_and_counts(database: Path, rounds: int = 20) -> dict:
    """In-process timings (ms, median of `rounds`) of what issue 16 added to the inbox: a folder
    recount (the generation moved), a cached one, and the inbox searched for a word found in
    almost every message ("lamp"), a rare one ("long") and a conversation number, with their
    query counts."""
    setup_django(database)
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from carefront.accounts.models import Agent
    from carefront.conversations import selectors

    setup_test_environment()
    agent = Agent.objects.get(email=BENCH_AGENT)
    client = Client()
    client.force_login(agent)
    cache.clear()
    result: dict = {"bench": "search_and_counts", "rounds": rounds}

    def median_ms(work) -> float:
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            work()
            timings.append((time.perf_counter() - started) * 1000)
        return round(statistics.median(timings), 2)

    def recount() -> None:
        selectors.FOLDER_COUNTS.bump()  # as after any change; no grace period below
        selectors.folder_counts(actor=agent)

    selectors.FOLDER_COUNTS_FRESH_SECONDS = 0

    selectors.folder_counts(actor=agent)
    result["folder_recount_ms"] = median_ms(recount)
    result["folder_cached_ms"] = median_ms(lambda: selectors.folder_counts(actor=agent))

    def count_all() -> None:  # what an uncapped count of the five folders would cost
        base = selectors.conversations_visible_to(actor=agent)
        for folder in selectors.COUNTED_FOLDERS:
            base.filter(selectors._folder_filter(folder, agent)).count()

    result["folder_uncapped_ms"] = median_ms(count_all)
    result["folder_counts"] = {k: str(v) for k, v in selectors.folder_counts(actor=agent).items()}
    for name, query in {"common_word": "lamp", "rare_word": "long", "number": "#100001"}.items():
        client.get("/", {"q": query})  # warm the caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/", {"q": query})
        result[f"search_{name}_queries"] = len(captured)
        result[f"search_{name}_ms"] = median_ms(lambda q=query: client.get("/", {"q": q}))
        result[f"search_{name}_waiting_sort_ms"] = median_ms(
            lambda q=query: client.get("/", {"q": q, "sort": "waiting"})
        )
        summary = re.search(rb"data-result-summary>([^<]*)", response.content)
        result[f"search_{name}_summary"] = summary.group(1).decode().strip() if summary else ""
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "action", choices=["build", "migrate", "queries", "http", "search_and_counts"]
    )
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-cache", action="store_true", help="serve with the dummy cache")
    args = parser.parse_args()
    database = args.database.resolve()
    database.parent.mkdir(parents=True, exist_ok=True)
    if args.action == "build":
        result = build(database, args.conversations)
    elif args.action == "migrate":
        result = migrate(database)
    elif args.action == "queries":
        result = queries(database)
    elif args.action == "search_and_counts":
        result = search_and_counts(database)
    else:
        result = http_bench(database, args.requests, no_cache=args.no_cache)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
