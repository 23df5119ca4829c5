"""Rules benchmark: what 200 active rules cost per ingested message.

    .venv/bin/python bench/rules.py [--messages 2000] [--rules 200] [--workdir bench/out]

Imports the reference mail workload (bench/ingest.py's) into fresh SQLite databases three
times: with no rules, with `--rules` active rules and the default trace (matches, skips and
near misses: CAREFRONT["RULES_TRACE"] = "near"), and with the same rules tracing every rule
considered ("all"). Measures the importing process's CPU and wall time, and the CPU spent
inside the rules code (the subscribers and the runner, timed with time.process_time around them).

The rules are spread over the triggers as a help desk's would be (most listen to other events
than a new customer message, so the trigger index skips them); their conditions read the
message text, subject, sender, tags, priority and customer attributes; a few match and tag.
No time rules (they set timers, measured by the SLA timer benchmark's method).

Prints one JSON object (the last line of stdout). Run by bench/run.py; see bench/README.md.
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
sys.path.insert(0, str(ROOT))

from bench.ingest import WORKLOAD_ADDRESS, generate, setup_django  # noqa: E402

TRIGGERS = [
    ("customer_message", 50),
    ("conversation_created", 30),
    ("agent_reply", 20),
    ("status_changed", 25),
    ("assignee_changed", 20),
    ("priority_changed", 15),
    ("tags_changed", 15),
    ("rating_received", 10),
    ("sla_at_risk", 8),
    ("sla_breached", 7),
]
# Words a rule looks for: mostly ones the workload rarely uses (a help desk's rules are for
# the unusual case), and two common ones ("refund", "invoice") so that some rules act.
WORDS = [
    "lawyer", "gdpr", "chargeback", "subpoena", "outage", "warranty", "exchange", "complaint",
    "downgrade", "crash", "fraud", "solicitor", "ombudsman", "escalate", "cancellation",
    "insolvency",
]  # fmt: skip
COMMON_WORDS = ["refund", "invoice"]


def rule_specs(count: int, seed: int = 7, acting: bool = True) -> list[dict]:
    """`count` rules spread over the triggers in the proportions of TRIGGERS. `acting`: two
    of them look for common words and act; without, the same rules look for rare words only
    (what the target is about: evaluation, with few or no rules firing)."""
    rng = random.Random(seed)
    weights = [n for _t, n in TRIGGERS]
    triggers = [t for t, _n in TRIGGERS]
    specs = []
    for i in range(count):
        trigger = rng.choices(triggers, weights)[0]
        if i % 100 == 0:  # (no draw here: the other rules stay the same either way)
            common = COMMON_WORDS[(i // 100) % len(COMMON_WORDS)]
            word = common if acting else WORDS[(i // 100) % len(WORDS)]
        else:
            word = rng.choice(WORDS)
        shape = i % 5
        if shape == 0:
            conditions = {"all": [{"field": "message_text", "op": "contains", "value": word}]}
        elif shape == 1:
            conditions = {
                "all": [{"field": "subject", "op": "contains", "value": word}],
                "any": [
                    {"field": "priority", "op": "is", "value": "high"},
                    {"field": "tags", "op": "includes", "value": ["vip"]},
                ],
            }
        elif shape == 2:
            conditions = {
                "all": [
                    {"field": "sender_email", "op": "ends_with", "value": f"@{word}.example"},
                    {"field": "status", "op": "is", "value": "open"},
                ]
            }
        elif shape == 3:
            conditions = {
                "all": [
                    {
                        "field": "customer_attribute",
                        "op": "is",
                        "value": {"key": "plan", "value": "gold"},
                    }
                ]
            }
        else:
            conditions = {
                "all": [
                    {"field": "status", "op": "is", "value": "open"},
                    {"field": "message_count", "op": "gte", "value": 3},
                    {"field": "message_text", "op": "contains", "value": word},
                ]
            }
        specs.append(
            {
                "name": f"Rule {i + 1}: {word}",
                "trigger": trigger,
                "conditions": conditions,
                # Rules on changes that actions make only add notes: no cycle to refuse.
                "actions": [
                    {"type": "add_tags", "params": {"tags": [word]}}
                    if trigger in ("customer_message", "conversation_created")
                    else {"type": "add_note", "params": {"body": f"About {word}"}}
                ],
            }
        )
    return specs


def child(args: argparse.Namespace) -> int:
    workdir = args.workdir.resolve()
    workload = generate(args.messages, workdir)
    quiet = "" if args.acting else "-quiet"
    database = workdir / f"rules-{args.rules}-{args.trace}{quiet}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    setup_django(database, workdir / "rules-media")

    from django.conf import settings
    from django.core.management import call_command

    settings.CAREFRONT = {**settings.CAREFRONT, "RULES_TRACE": args.trace}
    call_command("migrate", verbosity=0)

    from carefront.accounts.models import Agent, Role
    from carefront.automation.models import RuleRun
    from carefront.automation.rules import runner
    from carefront.automation.rules.services import rule_create
    from carefront.inboxes.email.mail_import import mail_import
    from carefront.inboxes.models import Inbox

    Inbox.objects.create(name="Support", email_address=WORKLOAD_ADDRESS, from_name="Support")
    admin = Agent.objects.create(email="admin@bench.example", name="Admin", role=Role.ADMIN)
    for spec in rule_specs(args.rules, acting=args.acting):
        rule_create(actor=admin, is_active=True, **spec)

    # CPU inside the rules code: the subscribers (in the publishing transaction) and the runs
    # after commit. Timed by wrapping them, which adds two process_time() calls each.
    # Queries issued inside the rules code, counted with an execute wrapper (cheap).
    spent = {"cpu": 0.0, "runs": 0, "queries": 0, "inside": 0}
    from django.db import connection

    def counting(execute, sql, params, many, context):
        if spent["inside"]:
            spent["queries"] += 1
        return execute(sql, params, many, context)

    def timed(function, count: bool = False):
        def wrapper(*a, **kw):
            start = time.process_time()
            spent["inside"] += 1
            try:
                return function(*a, **kw)
            finally:
                spent["inside"] -= 1
                if spent["inside"] == 0:
                    spent["cpu"] += time.process_time() - start
                if count:
                    spent["runs"] += 1

        return wrapper

    runner.run_change = timed(runner.run_change, count=True)
    from carefront.core import events as bus

    for handlers in bus._in_transaction.values():
        for index, handler in enumerate(handlers):
            if getattr(handler, "__module__", "").startswith("carefront.automation"):
                handlers[index] = timed(handler)

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counting):
        if profiler is not None:
            profiler.enable()
        summary = mail_import(path=workload, inbox=None)
        if profiler is not None:
            profiler.disable()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if profiler is not None:
        import pstats

        stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(60)
        stats.print_callees("run_change|prepared.py:.*first|active_rules")
    print(
        json.dumps(
            {
                "rules": args.rules,
                "trace": args.trace,
                "files": summary.total,
                "wall_s": round(wall, 2),
                "msg_per_s": round(summary.total / wall, 1),
                "cpu_ms_per_msg": round(1000 * cpu / summary.total, 3),
                "rules_cpu_ms_per_msg": round(1000 * spent["cpu"] / summary.total, 3),
                "acting": args.acting,
                "rule_changes": spent["runs"],
                "rules_queries": spent["queries"],
                "rules_queries_per_change": round(spent["queries"] / max(spent["runs"], 1), 2),
                "trace_rows": RuleRun.objects.count(),
                "matched": RuleRun.objects.filter(outcome="matched").count(),
            }
        )
    )
    return 0


def _child(args: argparse.Namespace, rules: int, trace: str, acting: bool = True) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--messages",
        str(args.messages),
        "--rules",
        str(rules),
        "--trace",
        trace,
        "--workdir",
        str(args.workdir),
    ]
    if not acting:
        command.append("--quiet-rules")
    out = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--trace", choices=["near", "all", "none"], default="near")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--quiet-rules", dest="acting", action="store_false", help=argparse.SUPPRESS
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the import (stderr)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.child:
        return child(args)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    base = _child(args, 0, "near")
    quiet = _child(args, args.rules, "near", acting=False)
    full = _child(args, args.rules, "near")
    lean = _child(args, args.rules, "all")

    def added(row: dict) -> float:
        return round(row["cpu_ms_per_msg"] - base["cpu_ms_per_msg"], 3)

    def throughput(row: dict) -> float:
        return round(100 * (row["msg_per_s"] / base["msg_per_s"] - 1), 1)

    result = {
        "bench": "rules",
        "messages": base["files"],
        "rules": args.rules,
        "none": base,
        # The target's row: the rules are evaluated, none acts (the evaluation's cost).
        "evaluation_only": quiet,
        # Two rules look for common words and act (tags), and the tag rules they trigger.
        "near_misses_traced": full,
        "all_traced": lean,
        "added_cpu_ms_per_msg_evaluation": added(quiet),
        "rules_cpu_ms_per_msg_evaluation": quiet["rules_cpu_ms_per_msg"],
        "throughput_change_pct_evaluation": throughput(quiet),
        "added_cpu_ms_per_msg": added(full),
        "added_cpu_ms_per_msg_all_traced": added(lean),
        "throughput_change_pct": throughput(full),
        "throughput_change_pct_all_traced": throughput(lean),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
