"""Run Carefront's benchmarks and print a markdown table (`make bench`). See bench/README.md.

    .venv/bin/python bench/run.py [--only ingest|web] [--messages 10000]
                                  [--conversations 100000] [--requests 200] [--reuse]

Each benchmark runs in its own process (its own database and settings); this script only
orchestrates and reports. Benchmarks are not tests: nothing here fails on a slow number.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable

TARGET_MSG_PER_S = 400
TARGET_CPU_MS = 2.5
TARGET_P95_MS = 50


def _run(script: str, *args: str) -> dict:
    command = [PYTHON, str(ROOT / "bench" / script), *args]
    print(f"$ {' '.join(command[1:])}", file=sys.stderr, flush=True)
    completed = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        return {"error": f"{script} {' '.join(args)} exited with {completed.returncode}"}
    return json.loads(lines[-1])


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def ingest_rows(messages: int) -> list[tuple[str, str, str, str]]:
    r = _run("ingest.py", "--messages", str(messages), "--workdir", str(OUT))
    if "error" in r:
        return [("ingest", r["error"], "", "")]
    return [
        (
            f"ingest {r['files']} msgs (wall)",
            f"{r['msg_per_s']} msg/s ({r['wall_s']} s)",
            f">= {TARGET_MSG_PER_S} msg/s",
            _mark(r["msg_per_s"] >= TARGET_MSG_PER_S),
        ),
        (
            "ingest CPU per message",
            f"{r['cpu_ms_per_msg']} ms",
            f"<= {TARGET_CPU_MS} ms",
            _mark(r["cpu_ms_per_msg"] <= TARGET_CPU_MS),
        ),
        (
            "replies on the right conversation",
            f"{r['threaded_pct']} % ({r['replies_threaded']}/{r['replies']})",
            "100 %",
            _mark(r["replies_threaded"] == r["replies"]),
        ),
        (
            "threads split / wrongly merged",
            f"{r['threads_split']} / {r['threads_merged']}",
            "0 / 0",
            _mark(r["threads_split"] == 0 and r["threads_merged"] == 0),
        ),
        ("messages lost", str(r["lost"]), "0", _mark(r["lost"] == 0)),
        ("ingest outcome counts", json.dumps(r["counts"]), "", ""),
    ]


def web_rows(conversations: int, requests: int, reuse: bool) -> list[tuple[str, str, str, str]]:
    rows = []
    small, large = OUT / "web-1k.sqlite3", OUT / f"web-{conversations}.sqlite3"
    for database, count in ((small, 1000), (large, conversations)):
        if not (reuse and database.exists()):
            built = _run(
                "web_pages.py", "build", "--database", str(database), "--conversations", str(count)
            )
            if "error" in built:
                return [("web build", built["error"], "", "")]
            rows.append(
                (
                    f"setup: {built['conversations']} conversations (bulk)",
                    f"{built['seconds']} s, {built['database_mb']} MB",
                    "",
                    "",
                )
            )
    counts = {}
    for database, label in ((small, "1k"), (large, f"{conversations // 1000}k")):
        counts[label] = _run("web_pages.py", "queries", "--database", str(database))
    labels = list(counts)
    for page in ("inbox", "conversation"):
        statuses = [counts[label].get(f"{page}_status") for label in labels]
        for state, key in (("cold cache", f"{page}_cold_queries"), ("warm", f"{page}_queries")):
            values = [counts[label].get(key) for label in labels]
            same = None not in values and len(set(values)) == 1 and set(statuses) == {200}
            rows.append(
                (
                    f"SQL queries, {page} page, {state} ({' vs '.join(labels)})",
                    " vs ".join(str(v) for v in values),
                    "equal",
                    _mark(same),
                )
            )
    r = _run("web_pages.py", "http", "--database", str(large), "--requests", str(requests))
    if "error" in r:
        return [*rows, ("http", r["error"], "", "")]
    for page, label in (("inbox", "GET / (inbox, first page)"), ("conversation", "GET /c/<id>/")):
        rows.append(
            (
                f"{label}, {conversations // 1000}k conv., p50 / p95",
                f"{r[f'{page}_p50_ms']} / {r[f'{page}_p95_ms']} ms",
                f"p95 <= {TARGET_P95_MS} ms",
                _mark(r[f"{page}_p95_ms"] <= TARGET_P95_MS),
            )
        )
    # The same pages with nothing cached: what a first view costs (reported, no target).
    cold = _run(
        "web_pages.py", "http", "--database", str(large), "--requests", str(requests), "--no-cache"
    )
    if "error" in cold:
        return [*rows, ("http, no cache", cold["error"], "", "")]
    for page, label in (("inbox", "GET /, no cache"), ("conversation", "GET /c/<id>/, no cache")):
        rows.append(
            (
                f"{label}, p50 / p95",
                f"{cold[f'{page}_p50_ms']} / {cold[f'{page}_p95_ms']} ms",
                "(first view)",
                "",
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["ingest", "web"])
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the web databases of an earlier run"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rows: list[tuple[str, str, str, str]] = []
    if args.only in (None, "ingest"):
        rows += ingest_rows(args.messages)
    if args.only in (None, "web"):
        rows += web_rows(args.conversations, args.requests, args.reuse)
    print("| benchmark | result | target | |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\n_{time.strftime('%Y-%m-%d %H:%M')}, {time.monotonic() - started:.0f} s in all._")
    return 0


if __name__ == "__main__":
    sys.exit(main())
