"""API benchmark: the conversation list and conversation creation over real HTTP, on the large
SQLite database that web_pages.py builds.

    .venv/bin/python bench/api.py queries --database PATH
    .venv/bin/python bench/api.py http --database PATH [--requests 200] [--creates 2000]
                                       [--clients 8] [--workers 2] [--rounds 3]

`queries` calls GET /api/v1/conversations in-process under CaptureQueriesContext (and one
POST /api/v1/conversations) and prints the SQL counts: run it on the 1k and the 100k database,
the counts must be equal. `http` starts uvicorn on 127.0.0.1 (a free port, `--workers`
processes), creates a read-write token for the bench agent, then (a) times `--requests`
sequential GETs of the first page on one keep-alive connection, and (b) sends `--creates`
POSTs from `--clients` concurrent keep-alive connections, driven by a separate client process
(so the client's own Python does not share the server's interpreter). It reports latencies,
requests/s, errors, and the server's CPU time per request (user + system of the uvicorn
processes, from /proc), which is steadier than wall time on a shared machine. Each prints one
JSON object on its last stdout line; bench/run.py runs them and prints the table.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.web_pages import (
    BENCH_AGENT,
    _percentile,
    setup_django,
    start_server,
    stop_server,
)

LIST_PATH = "/api/v1/conversations"


def _token_and_inbox() -> tuple[str, int]:
    """A new read-write token of the bench agent, and an inbox the agent works in."""
    from carefront.accounts.models import Agent, TokenScope
    from carefront.accounts.services import api_token_create
    from carefront.inboxes.models import Inbox

    agent = Agent.objects.get(email=BENCH_AGENT)
    _token, plain = api_token_create(
        agent=agent, name=f"bench {time.time():.0f}", scope=TokenScope.READ_WRITE
    )
    inbox = Inbox.objects.filter(teams__members=agent).order_by("pk").first()
    return plain, inbox.pk


def _create_body(inbox_id: int, n: int, run: str) -> bytes:
    return json.dumps(
        {
            "inbox_id": inbox_id,
            "customer": {
                # A new customer on every create (the costlier case: a customer and an
                # identity are written too), also when a database is reused.
                "email": f"api-customer-{run}-{n}@example.com",
                "name": f"Customer {n}",
            },
            "subject": f"Order {n} arrived broken",
            "body": "The lamp is cracked. Could you send a new one?\n\nThanks,\nAna",
            "external_id": f"bench-{run}-{n}",
        }
    ).encode()


# --- query counts --------------------------------------------------------------------------------


def queries(database: Path) -> dict:
    setup_django(database)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from carefront.conversations.models import Conversation

    setup_test_environment()
    plain, inbox_id = _token_and_inbox()
    client = Client(headers={"Authorization": f"Bearer {plain}"})
    result = {"bench": "api-queries", "conversations": Conversation.objects.count()}
    client.get(LIST_PATH)  # warm-up: the token's first use also records last_used_at
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST_PATH)
    result["list_status"] = response.status_code
    result["list_queries"] = len(captured)
    result["list_items"] = len(response.json().get("items", []))
    result["list_sql"] = [
        {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:300]}
        for q in captured.captured_queries
    ]
    run = f"q{time.time_ns()}"
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            LIST_PATH,
            _create_body(inbox_id, time.time_ns() % 10**9, run),
            content_type="application/json",
        )
    result["create_status"] = response.status_code
    result["create_queries"] = len(captured)
    result["create_sql"] = [q["sql"][:200] for q in captured.captured_queries]
    return result


# --- HTTP ----------------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its descendants (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending += [int(c) for c in children]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _get(connection: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, bytes]:
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def http_bench(
    database: Path,
    requests: int,
    creates: int,
    clients: int,
    workers: int,
    warmup: int = 10,
    create_rounds: int = 3,
) -> dict:
    setup_django(database)
    from django.db import connections

    plain, inbox_id = _token_and_inbox()
    connections.close_all()
    server, port = start_server(database, workers=workers)
    headers = {"Host": f"127.0.0.1:{port}", "Authorization": f"Bearer {plain}"}
    result: dict = {"bench": "api-http", "workers": workers, "clients": clients}
    try:
        # (a) the first page, sequentially, on one keep-alive connection.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(warmup):
            status, _body = _get(connection, LIST_PATH, headers)
            if status != 200:
                raise RuntimeError(f"GET {LIST_PATH} answered {status}: {_body[:200]!r}")
        timings = []
        cpu_before = _cpu_seconds(server.pid)
        for _ in range(requests):
            t0 = time.perf_counter()
            status, body = _get(connection, LIST_PATH, headers)
            timings.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                raise RuntimeError(f"GET {LIST_PATH} answered {status}")
        cpu = _cpu_seconds(server.pid) - cpu_before
        connection.close()
        result |= {
            "list_requests": requests,
            "list_p50_ms": round(statistics.median(timings), 1),
            "list_p95_ms": round(_percentile(timings, 95), 1),
            "list_max_ms": round(max(timings), 1),
            "list_cpu_ms": round(cpu * 1000 / requests, 2),
            "list_items": len(json.loads(body)["items"]),
        }

        # (b) creates from concurrent clients, in a process of their own; several rounds, as
        # a shared machine's speed moves from one minute to the next: the median is reported.
        rounds = []
        for index in range(create_rounds):
            cpu_before = _cpu_seconds(server.pid)
            completed = subprocess.run(
                [
                    *(sys.executable, __file__, "client", "--port", str(port)),
                    *("--token", plain, "--inbox", str(inbox_id), "--creates", str(creates)),
                    *("--clients", str(clients), "--run", f"r{time.time_ns()}-{index}"),
                ],
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            )
            cpu = _cpu_seconds(server.pid) - cpu_before
            client = json.loads(completed.stdout.splitlines()[-1])
            client["cpu_ms"] = round(cpu * 1000 / max(1, client["requests"]), 2)
            rounds.append(client)
        median = sorted(rounds, key=lambda r: r["per_s"])[len(rounds) // 2]
        statuses: dict[str, int] = {}
        for r in rounds:
            for status, count in r["statuses"].items():
                statuses[status] = statuses.get(status, 0) + count
        result |= {
            "create_rounds": [r["per_s"] for r in rounds],
            "create_requests": sum(r["requests"] for r in rounds),
            "create_per_s": median["per_s"],
            "create_errors": sum(r["errors"] for r in rounds),
            "create_statuses": statuses,
            "create_p50_ms": median["p50_ms"],
            "create_p95_ms": median["p95_ms"],
            "create_cpu_ms": median["cpu_ms"],
            "client_cpu_ms": median["client_cpu_ms"],
        }
    finally:
        stop_server(server)
    return result


def client(port: int, token: str, inbox: int, creates: int, clients: int, run: str) -> dict:
    """`clients` threads, each on its own keep-alive connection, share `creates` POSTs."""
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
    }
    counter = iter(range(creates))
    lock = threading.Lock()
    timings: list[float] = []
    statuses: dict[str, int] = {}
    failures: list[str] = []

    def work() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            body = _create_body(inbox, n, run)
            t0 = time.perf_counter()
            try:
                connection.request("POST", LIST_PATH, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status, content = 0, str(exc).encode()
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                timings.append(elapsed)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if status != 201 and len(failures) < 5:
                    failures.append(f"{status}: {content[:200]!r}")
        connection.close()

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - t0
    return {
        "requests": len(timings),
        "wall_s": round(wall, 2),
        "per_s": round(len(timings) / wall, 1),
        "errors": sum(v for k, v in statuses.items() if k != "201"),
        "statuses": statuses,
        "failures": failures,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(_percentile(timings, 95), 1),
        "client_cpu_ms": round((time.process_time() - cpu0) * 1000 / max(1, len(timings)), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["queries", "http", "client"])
    parser.add_argument("--database", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --creates (median shown)")
    parser.add_argument("--port", type=int)
    parser.add_argument("--token")
    parser.add_argument("--inbox", type=int)
    parser.add_argument("--run", default="run")
    args = parser.parse_args()
    if args.action == "client":
        result = client(args.port, args.token, args.inbox, args.creates, args.clients, args.run)
    elif args.action == "queries":
        result = queries(args.database.resolve())
    else:
        result = http_bench(
            args.database.resolve(),
            args.requests,
            args.creates,
            args.clients,
            args.workers,
            create_rounds=args.rounds,
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
