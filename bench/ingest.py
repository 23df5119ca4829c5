"""Ingest benchmark: the reference mail workload into a fresh SQLite database, then check threading.

    .venv/bin/python bench/ingest.py [--messages 10000] [--workdir bench/out] [--profile]

Prints one JSON object (the last line of stdout). Run by bench/run.py; see bench/README.md.
"""

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = Path(os.environ.get("CAREFRONT_BENCH_GENERATOR", "/work/shared/bench/gen_mail.py"))
# The workload's recipient: the inbox must have this address, as a real mailbox would.
WORKLOAD_ADDRESS = "support@helpdesk.example.com"


def generate(messages: int, workdir: Path) -> Path:
    """Write the workload (deterministic: same N, same bytes) unless it is already there."""
    target = workdir / f"wl{messages}"
    stats = Path(f"{target}.stats.json")
    if not (stats.exists() and target.is_dir()):
        subprocess.run(
            [sys.executable, str(GENERATOR), str(messages), str(target), "--format", "dir"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return target


def setup_django(database: Path, media: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["CAREFRONT_DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["CAREFRONT_MEDIA_ROOT"] = str(media)
    import django

    django.setup()


def check_threading(manifest: Path) -> dict:
    """Compare where each message landed with the manifest's ground truth."""
    from carefront.conversations.models import Message

    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    stored = dict(Message.objects.values_list("message_id", "conversation_id"))
    lost, replies, right, wrong_examples = [], 0, 0, []
    root_conversations: dict[str, set[int]] = {}
    for row in rows:
        mid = row["message_id"].strip("<>")
        conversation = stored.get(mid)
        if conversation is None:
            lost.append(row["file"])
            continue
        root = row["thread_root"].strip("<>")
        root_conversations.setdefault(root, set()).add(conversation)
        if row["in_reply_to"]:
            replies += 1
            if conversation == stored.get(root):
                right += 1
            elif len(wrong_examples) < 5:
                wrong_examples.append(row["file"])
    # Two different threads in one conversation: wrongly merged.
    owner: dict[int, str] = {}
    merged = 0
    for root, conversations in root_conversations.items():
        for conversation in conversations:
            if owner.setdefault(conversation, root) != root:
                merged += 1
    split = sum(1 for c in root_conversations.values() if len(c) > 1)
    return {
        "messages": len(rows),
        "lost": len(lost),
        "lost_examples": lost[:5],
        "replies": replies,
        "replies_threaded": right,
        "threaded_pct": round(100.0 * right / replies, 2) if replies else 100.0,
        "wrong_examples": wrong_examples,
        "threads_split": split,
        "threads_merged": merged,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument(
        "--without-search-index",
        action="store_true",
        help="drop the FTS triggers first, to measure what search indexing costs",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="profile the first N messages"
    )
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    workload = generate(args.messages, workdir)
    database = workdir / "ingest.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    setup_django(database, workdir / "ingest-media")

    from django.core.management import call_command

    from carefront.inboxes.email.mail_import import mail_import
    from carefront.inboxes.models import Inbox

    call_command("migrate", verbosity=0)
    Inbox.objects.create(name="Support", email_address=WORKLOAD_ADDRESS, from_name="Support")
    if args.without_search_index:
        from django.db import connection

        with connection.cursor() as cursor:
            for trigger in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER conversations_message_fts_{trigger}")

    profiler = cProfile.Profile() if args.profile else None
    done = 0

    def on_progress(_ref: str) -> None:
        nonlocal done
        done += 1
        if profiler is not None and done == args.profile:
            profiler.disable()

    wall0, cpu0 = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    # The same call as `manage.py import_mail PATH`: inbox chosen from each message's recipients.
    summary = mail_import(path=workload, inbox=None, on_progress=on_progress)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if profiler is not None:
        profiler.disable()

    result = {
        "bench": "ingest",
        "search_index": not args.without_search_index,
        "files": summary.total,
        "counts": dict(summary.counts),
        "wall_s": round(wall, 2),
        "msg_per_s": round(summary.total / wall, 1) if wall else 0.0,
        "cpu_ms_per_msg": round(1000 * cpu / summary.total, 3) if summary.total else 0.0,
        "database_mb": round(database.stat().st_size / 1e6, 1),
    }
    result.update(check_threading(Path(f"{workload}.manifest.jsonl")))
    if profiler is not None:
        out = workdir / "ingest.prof"
        profiler.dump_stats(out)
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(r"carefront|email|sqlite3|django/db", 40)
        stats.sort_stats("tottime").print_stats(25)
        result["profile"] = str(out)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
