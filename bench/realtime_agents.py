"""Fan-out of live events to agent pages: N agent sockets on one `serve` process, events written
by another process (as the task worker or a second web process would), through Redis.

    CAREFRONT_REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/realtime_agents.py [SOCKETS] [EVENTS]

Prints the latency from commit to receipt on every socket (p50, p95, max), how many were
dropped, and the server's memory per idle agent socket. Not a test: nothing asserts timings.
"""

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DB = OUT / "realtime.sqlite3"
PORT = 8793


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    sockets = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    if not os.environ.get("CAREFRONT_REDIS_URL"):
        sys.exit("Set CAREFRONT_REDIS_URL: the writer is another process than the server.")
    OUT.mkdir(exist_ok=True)
    DB.unlink(missing_ok=True)
    os.environ["CAREFRONT_DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    sys.path.insert(0, str(ROOT))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True, env=os.environ
    )
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from carefront.accounts.models import Agent, Role
    from carefront.conversations.live import live_event_append
    from carefront.conversations.tests.factories import conversation_for
    from carefront.inboxes.models import Inbox

    agent = Agent.objects.create_user(
        email="bench@example.test", password="x" * 12, name="Bench", role=Role.ADMIN
    )
    inbox = Inbox.objects.create(name="Bench", email_address="bench@example.test")
    conversation = conversation_for(inbox)
    session = SessionStore()
    session["_auth_user_id"] = str(agent.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = agent.get_session_auth_hash()
    session.create()

    server = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "serve",
            "--port",
            str(PORT),
            "--no-smtp",
            "--no-imap",
            "--no-worker",
        ],
        cwd=ROOT,
        env=os.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        asyncio.run(
            _run(
                server.pid,
                session.session_key,
                sockets,
                events,
                conversation.pk,
                lambda: _append(live_event_append, transaction, conversation.pk),
            )
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _append(live_event_append, transaction, conversation_id: int) -> float:
    with transaction.atomic():
        live_event_append(conversation_id=conversation_id, kind="bench", data={})
        # Timed from here: the send leaves on commit, just after.
        return time.perf_counter()


async def _run(pid, session_key, sockets, events, conversation_id, append) -> None:
    import websockets

    url = f"ws://127.0.0.1:{PORT}/ws/agent/live/"
    headers = {"Cookie": f"sessionid={session_key}", "Origin": f"http://127.0.0.1:{PORT}"}
    for _ in range(200):
        try:
            probe = await websockets.connect(url, additional_headers=headers)
            await probe.close()
            break
        except OSError:
            await asyncio.sleep(0.1)
    base = rss_kib(pid)
    conns = []
    for _ in range(sockets):
        ws = await websockets.connect(url, additional_headers=headers, max_queue=None)
        await ws.recv()  # hello
        conns.append(ws)
    await asyncio.sleep(1)
    per_socket = (rss_kib(pid) - base) / sockets
    latencies: list[float] = []
    dropped = 0
    for _ in range(events):
        loop = asyncio.get_running_loop()
        started = await loop.run_in_executor(None, append)
        results = await asyncio.gather(*(_until_event(ws) for ws in conns), return_exceptions=True)
        for result in results:
            if isinstance(result, float):
                latencies.append((result - started) * 1000)
            else:
                dropped += 1
    for ws in conns:
        await ws.close()
    latencies.sort()
    print(
        json.dumps(
            {
                "sockets": sockets,
                "events": events,
                "deliveries": len(latencies),
                "dropped": dropped,
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
                "max_ms": round(latencies[-1], 1),
                "rss_per_idle_socket_kib": round(per_socket, 1),
            }
        )
    )


async def _until_event(ws) -> float:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        if frame["type"] == "event":
            return time.perf_counter()


if __name__ == "__main__":
    main()
