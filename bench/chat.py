"""500 concurrent chat sockets: how fast a visitor's message reaches the agent's page, and what an
idle socket costs the server.

    .venv/bin/python bench/chat.py [--sockets 500] [--messages 1000] [--rate 10]
                                   [--layers memory,redis] [--redis-url redis://127.0.0.1:6379/9]
                                   [--memory-db sqlite] [--redis-db postgres] [--seed 1]

For each layer:
1. `setup` (a subprocess, Django): migrates a fresh database (SQLite file, or the PostgreSQL
   database `carefront_bench_chat`), creates a chat inbox with `chat_inbox_create` (allowed
   domain bench.example), an admin agent with a session (`force_login`: the cookie of the agent
   page), and N visitors through the services the widget's endpoints call
   (`chat_session_start`, then a first `chat_message_send`: each visitor has its own token and
   conversation).
2. Starts real servers: `uvicorn config.asgi:application` on 127.0.0.1, ONE process with the
   in-memory layer (`memory`), TWO processes with channels-redis (`redis`; the cache in Redis
   too, like production). The agent's socket (`ws/agent/live/`, session cookie) joins the
   inbox's group on the first process; the visitors' sockets (`ws/chat/<key>/`, `websockets`
   client, Origin http://bench.example) are spread over the processes, so with two processes
   half the events cross from one to the other through Redis.
3. Memory: each server's VmRSS (/proc/<pid>/status) with the agent connected, then with the N
   visitor sockets open and idle (after a pause); the growth over N is the cost of a socket.
4. Latency: M messages from random visitors at a bounded rate (`--rate` per second, a steady
   schedule), each a `{"type": "message"}` frame; the time from just before the visitor's send
   to the agent socket receiving the `message` event with that text (same clock: one client
   process). p50/p95/p99/max, how many never arrived within `--drain` seconds after the last
   send (dropped), and the visitor's own send-to-ack time.
Servers are killed in `finally`. Prints a table on stderr and one JSON object (the last line of
stdout); writes it to bench/out/chat.json. A benchmark, not a test: the client shares the
machine's two cores with the servers (and whatever else runs: `uptime` is recorded).
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SETTINGS = "bench.chat_settings"
ORIGIN = "http://bench.example"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "carefront_bench_chat"
TARGET_P95_MS = 100


# --- setup (runs in a subprocess with Django) --------------------------------------------------


def setup(visitors: int, out: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from carefront.accounts.models import Agent, Role
    from carefront.conversations.models import Conversation
    from carefront.inboxes.chat.models import ChatSettings
    from carefront.inboxes.chat.services import (
        chat_inbox_create,
        chat_message_send,
        chat_session_start,
    )

    inbox = chat_inbox_create(
        name="Bench chat", allowed_domains="bench.example", use_business_hours=False
    )
    chat = ChatSettings.objects.select_related("inbox").get(inbox=inbox)
    agent = Agent.objects.create_user(
        "bench-chat-agent@example.com", None, name="Bench Agent", role=Role.ADMIN
    )
    client = Client()
    client.force_login(agent)
    started = time.monotonic()
    rows = []
    for n in range(visitors):
        session = chat_session_start(chat=chat, token=None, user={"name": f"Visitor {n}"})
        sent = chat_message_send(
            chat=chat, visitor=session.visitor, text=f"Hello from visitor {n}", client_id=uuid4s()
        )
        rows.append({"token": session.token, "conversation_id": sent.conversation_id})
    seqs = dict(
        Conversation.objects.filter(pk__in=[r["conversation_id"] for r in rows]).values_list(
            "pk", "live_seq"
        )
    )
    for row in rows:
        row["last_seq"] = seqs[row["conversation_id"]]
    out.write_text(
        json.dumps(
            {
                "key": chat.public_key,
                "inbox_id": inbox.pk,
                "session_cookie": client.cookies["sessionid"].value,
                "visitors": rows,
                "setup_s": round(time.monotonic() - started, 1),
            }
        )
    )


def uuid4s() -> str:
    return str(uuid.uuid4())


# --- helpers (pure, smoke-tested) ---------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def summarize(latencies_s: list[float]) -> dict:
    ms = [v * 1000 for v in latencies_s]
    return {
        "p50_ms": _r(percentile(ms, 50)),
        "p95_ms": _r(percentile(ms, 95)),
        "p99_ms": _r(percentile(ms, 99)),
        "max_ms": _r(max(ms) if ms else None),
        "mean_ms": _r(statistics.fmean(ms) if ms else None),
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def rss_kib(pid: int) -> int:
    """The resident set of a process in KiB, from /proc (no psutil)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def message_text(n: int) -> str:
    return f"bench-{n} hello, is anyone there?"


def message_number(text: str) -> int | None:
    if not text.startswith("bench-"):
        return None
    head = text[6:].split(" ", 1)[0]
    return int(head) if head.isdigit() else None


def raise_fd_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        soft = min(max(needed, soft), hard) if hard != resource.RLIM_INFINITY else needed
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


# --- servers --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(database_url: str, redis_url: str | None, prefix: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "CAREFRONT_DATABASE_URL": database_url,
        "CAREFRONT_MEDIA_ROOT": str(OUT / "chat-media"),
        "CAREFRONT_GENERATIONS_DIR": str(OUT / "chat-generations"),
        "BENCH_CHAT_PREFIX": prefix,
    }
    env.pop("CAREFRONT_REDIS_URL", None)
    if redis_url:
        env["CAREFRONT_REDIS_URL"] = redis_url
    return env


def _start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    handle = log.open("w")
    # A session of its own: killing it never touches the bench.
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def _wait_ready(port: int, key: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/chat/{key}/config"
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers={"Origin": ORIGIN})
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"server on {port} not ready after {timeout} s")


def _stop(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        if server.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
    for server in servers:
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _prepare_database(kind: str, label: str) -> str:
    if kind == "sqlite":
        path = OUT / f"chat-{label}.sqlite3"
        for suffix in ("", "-wal", "-shm", ".writer-lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    return f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"


# --- the client -----------------------------------------------------------------------------


async def _client(args, data: dict, ports: list[int], pids: list[int]) -> dict:
    from websockets.asyncio.client import connect

    key = data["key"]
    visitors = data["visitors"][: args.sockets]
    now = time.perf_counter
    sent_at: dict[int, float] = {}
    received_at: dict[int, float] = {}
    duplicates = 0
    acked: dict[str, tuple[int, float]] = {}
    ack_at: dict[int, float] = {}
    ack_latency: list[float] = []
    origin_of: dict[int, int] = {}
    all_received = asyncio.Event()

    agent_url = f"ws://127.0.0.1:{ports[0]}/ws/agent/live/"
    agent = await connect(
        agent_url,
        additional_headers={
            "Cookie": f"sessionid={data['session_cookie']}",
            "Origin": f"http://127.0.0.1:{ports[0]}",
        },
        max_queue=None,
        open_timeout=30,
        # The server pings (uvicorn); the client answers and never closes on a late pong.
        ping_interval=None,
    )
    hello = json.loads(await asyncio.wait_for(agent.recv(), 30))
    if hello.get("type") != "hello":
        raise RuntimeError(f"agent socket said {hello}")

    async def agent_reader() -> None:
        nonlocal duplicates
        async for raw in agent:
            t = now()
            frame = json.loads(raw)
            if frame.get("type") != "event" or frame.get("kind") != "message":
                continue
            n = message_number(frame.get("data", {}).get("text", ""))
            if n is None or n not in sent_at:
                continue
            if n in received_at:
                duplicates += 1
                continue
            received_at[n] = t
            if len(received_at) >= args.messages:
                all_received.set()

    async def agent_watch() -> None:
        nonlocal agent_closed_at
        await agent.wait_closed()
        agent_closed_at = now()

    agent_closed_at = 0.0
    agent_task = asyncio.create_task(agent_reader())
    watch_task = asyncio.create_task(agent_watch())
    await asyncio.sleep(2)
    rss_before = [rss_kib(pid) for pid in pids]

    sockets: list = [None] * len(visitors)
    failures: list[str] = []
    gate = asyncio.Semaphore(args.connect_concurrency)

    async def visitor_reader(ws) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "ack":
                    started = acked.pop(frame.get("client_id"), None)
                    if started is not None:
                        ack_at[started[0]] = now()
                        ack_latency.append(ack_at[started[0]] - started[1])
        except Exception:  # noqa: S110 - a closed socket ends its reader; counted elsewhere
            pass

    async def open_one(i: int, visitor: dict) -> None:
        port = ports[i % len(ports)]
        token = urllib.parse.quote(visitor["token"], safe="")
        url = f"ws://127.0.0.1:{port}/ws/chat/{key}/?visitor_token={token}"
        async with gate:
            try:
                ws = await connect(
                    url,
                    additional_headers={"Origin": ORIGIN},
                    max_queue=None,
                    open_timeout=60,
                    ping_interval=None,
                )
                await ws.send(json.dumps({"type": "resume", "last_seq": visitor["last_seq"]}))
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
                return
        sockets[i] = ws
        readers.append(asyncio.create_task(visitor_reader(ws)))

    readers: list[asyncio.Task] = []
    opening = now()
    await asyncio.wait_for(
        asyncio.gather(*(open_one(i, v) for i, v in enumerate(visitors))), args.open_timeout
    )
    open_s = now() - opening
    await asyncio.sleep(args.idle_seconds)
    closed_early = sum(1 for ws in sockets if ws is not None and ws.close_code is not None)
    rss_after = [rss_kib(pid) for pid in pids]
    opened = sum(1 for ws in sockets if ws is not None)

    # Messages from random open visitors on a steady schedule.
    rng = random.Random(args.seed)
    live = [i for i, ws in enumerate(sockets) if ws is not None and ws.close_code is None]
    send_errors = 0
    cpu_before = [cpu_seconds(pid) for pid in pids]
    sending = now()
    for n in range(args.messages):
        due = sending + n / args.rate
        delay = due - now()
        if delay > 0:
            await asyncio.sleep(delay)
        i = rng.choice(live)
        client_id = uuid4s()
        frame = json.dumps({"type": "message", "text": message_text(n), "client_id": client_id})
        t = now()
        sent_at[n] = t
        acked[client_id] = (n, t)
        origin_of[n] = i % len(ports)
        try:
            await sockets[i].send(frame)
        except Exception:
            send_errors += 1
    send_s = now() - sending
    # Wait while events keep coming (a backlog drains: late, not lost); stop after `--drain`
    # seconds without a new one, or `--drain-max` in all.
    drain_until = now() + args.drain_max
    seen = -1
    while len(received_at) != seen and now() < drain_until:
        seen = len(received_at)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_received.wait(), args.drain)
    drained_s = now() - sending - send_s
    cpu_used = sum(cpu_seconds(pid) for pid in pids) - sum(cpu_before)

    latencies = [received_at[n] - sent_at[n] for n in received_at]
    closed = [ws.close_code for ws in sockets if ws is not None and ws.close_code is not None]
    result = {
        "sockets_requested": len(visitors),
        "sockets_opened": opened,
        "socket_failures": len(failures),
        "socket_failure_sample": failures[:3],
        "sockets_closed_while_idle": closed_early,
        "open_s": round(open_s, 2),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "kib_per_socket": round((sum(rss_after) - sum(rss_before)) / max(opened, 1), 1),
        "messages": args.messages,
        "rate_per_s": args.rate,
        "send_s": round(send_s, 2),
        "drain_s": round(drained_s, 2),
        "send_errors": send_errors,
        # The servers' CPU over the sending and draining, per message: what a message costs
        # whatever else the machine runs (latency under load is queueing behind this).
        "server_cpu_ms_per_message": round(cpu_used * 1000 / max(args.messages, 1), 1),
        "received": len(received_at),
        "dropped": args.messages - len(received_at),
        "duplicates": duplicates,
        "agent_close": None
        if agent.close_code is None
        else f"{agent.close_code} {agent.close_reason} after {agent_closed_at - sending:.1f} s",
        "visitor_sockets_closed": len(closed),
        "visitor_close_codes": sorted(set(closed)),
        **summarize(latencies),
        "ack": summarize(ack_latency),
        # The agent's event minus the visitor's ack: what the fan-out adds to storing.
        "agent_after_ack": summarize(
            [received_at[n] - ack_at[n] for n in received_at if n in ack_at]
        ),
        "acks": len(ack_latency),
    }
    if len(ports) > 1:
        for index, label in ((0, "same_process"), (1, "cross_process")):
            part = [received_at[n] - sent_at[n] for n in received_at if origin_of[n] == index]
            result[label] = {**summarize(part), "count": len(part)}
    for ws in sockets:
        if ws is not None:
            await ws.close()
    await agent.close()
    agent_task.cancel()
    for task in readers:
        task.cancel()
    watch_task.cancel()
    await asyncio.gather(agent_task, watch_task, *readers, return_exceptions=True)
    return result


def run_layer(args, layer: str) -> dict:
    kind = args.memory_db if layer == "memory" else args.redis_db
    redis_url = args.redis_url if layer == "redis" else None
    processes = 1 if layer == "memory" else args.processes
    database_url = _prepare_database(kind, layer)
    prefix = f"carefront-bench-chat-{os.getpid()}-{layer}"
    env = _env(database_url, redis_url, prefix)
    data_file = OUT / f"chat-{layer}-setup.json"
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "setup",
            "--sockets",
            str(args.sockets),
            "--out",
            str(data_file),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=args.setup_timeout,
    )
    setup_s = time.monotonic() - started
    data = json.loads(data_file.read_text())
    servers: list[subprocess.Popen] = []
    try:
        ports = [_free_port() for _ in range(processes)]
        for index, port in enumerate(ports):
            servers.append(_start_server(env, port, OUT / f"chat-{layer}-server{index}.log"))
        for port in ports:
            _wait_ready(port, data["key"])
        raise_fd_limit(args.sockets * 2 + 256)
        result = asyncio.run(
            asyncio.wait_for(_client(args, data, ports, [s.pid for s in servers]), args.run_timeout)
        )
    finally:
        _stop(servers)
    return {
        "layer": layer,
        "database": kind,
        "processes": processes,
        "setup_s": round(setup_s, 1),
        **result,
    }


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", nargs="?", default="run", choices=["run", "setup"])
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0, help="messages per second")
    parser.add_argument("--layers", default="memory,redis")
    parser.add_argument("--processes", type=int, default=2, help="server processes with Redis")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--memory-db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--redis-db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    parser.add_argument(
        "--drain", type=float, default=15.0, help="seconds without an event before giving up"
    )
    parser.add_argument("--drain-max", type=float, default=300.0, help="seconds after the sends")
    parser.add_argument("--open-timeout", type=float, default=180.0)
    parser.add_argument("--run-timeout", type=float, default=600.0)
    parser.add_argument("--setup-timeout", type=float, default=900.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(OUT / "chat-setup.json"))
    args = parser.parse_args()
    if args.command == "setup":
        setup(args.sockets, Path(args.out))
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    results = {"load_before": _load(), "layers": []}
    for layer in [part.strip() for part in args.layers.split(",") if part.strip()]:
        try:
            results["layers"].append(run_layer(args, layer))
        except Exception as exc:  # report, then go on with the next layer
            results["layers"].append({"layer": layer, "error": f"{type(exc).__name__}: {exc}"})
    results["load_after"] = _load()
    _print_table(results)
    (OUT / "chat.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results))
    return 0


def _print_table(results: dict) -> None:
    def say(text: str) -> None:
        print(text, file=sys.stderr)

    say(f"load average before / after: {results['load_before']} / {results['load_after']}")
    say(
        "| layer | sockets | KiB/socket | msgs | p50 / p95 / p99 / max ms | dropped | ack p95 "
        "| event after ack p95 | server CPU ms/msg |"
    )
    say("|---|---|---|---|---|---|---|---|---|")
    for r in results["layers"]:
        if "error" in r:
            say(f"| {r['layer']} | {r['error']} | | | | | | | |")
            continue
        say(
            f"| {r['layer']} ({r['processes']} proc, {r['database']}) | {r['sockets_opened']}"
            f"/{r['sockets_requested']} | {r['kib_per_socket']} | {r['received']}/{r['messages']}"
            f" @ {r['rate_per_s']}/s | {r['p50_ms']} / {r['p95_ms']} / {r['p99_ms']} / "
            f"{r['max_ms']} | {r['dropped']} | {r['ack']['p95_ms']} | "
            f"{r['agent_after_ack']['p95_ms']} | {r['server_cpu_ms_per_message']} |"
        )


if __name__ == "__main__":
    sys.exit(main())
