"""Evaluate the auto-QA checks (carefront/quality/checks.py) on the labelled set
bench/qa_replies.jsonl, and time them. Prints a markdown table, then one JSON line for
bench/run.py.

    .venv/bin/python bench/qa.py [--split heldout|tune|all] [--repeat 20]

What the numbers mean:

- For each behaviour, over the replies whose expected outcome is "passed" or "missed":
  **missed precision** = of the replies the check flags (a hint shown to the agent), the share
  a person also flagged; **missed recall** = of the replies a person flagged, the share the check
  flags. Precision is the figure that matters most: a wrong hint costs an agent's trust. Passed
  precision is given too. "n/a" when there is nothing to divide.
- Held-out figures (split "heldout": written pool B and the real ABCD agent turns) count;
  "tune" ones may flatter the checks, since their words may be tuned on that part.
- Other languages: the share marked "not checked" (expected: all).
- CPU per reply: process CPU time of `check_reply` over every reply, `--repeat` times (no
  embedding model, no database): mean, 95th percentile and the slowest single call.
"""

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parent / "qa_replies.jsonl"
TARGET_PRECISION = 0.85
TARGET_CPU_MS = 5.0


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("CAREFRONT_DATABASE_URL", "sqlite://")
    import django

    django.setup()


def load(split: str) -> list[dict]:
    rows = []
    with DATA.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if "header" in row:
                continue
            if split == "all" or row["split"] == split:
                rows.append(row)
    return rows


def context_of(row: dict):
    from carefront.quality.checks import ReplyContext

    return ReplyContext(
        reply=row["reply"],
        customer_message=row["customer_message"],
        customer_name=row["customer_name"],
        status=row["status"],
        has_follow_up=row["has_follow_up"],
        channel=row["channel"],
        is_first_reply=row["is_first_reply"],
    )


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def evaluate(rows: list[dict]) -> dict:
    from carefront.quality.behaviours import Behaviour
    from carefront.quality.checks import OFF_BY_DEFAULT, check_reply

    counts = {b: Counter() for b in Behaviour.values}
    confusions = {b: [] for b in Behaviour.values}
    not_checked = Counter()
    for row in rows:
        got = {m.behaviour: m.outcome for m in check_reply(context_of(row))}
        for behaviour, expected in row["expected"].items():
            outcome = got[behaviour]
            if expected == "not_checked":
                not_checked["total"] += 1
                not_checked["ok"] += outcome == "not_checked"
                continue
            if expected not in ("passed", "missed"):
                continue
            c = counts[behaviour]
            c["n"] += 1
            c[f"{expected}->{outcome}"] += 1
            if (expected == "missed") != (outcome == "missed"):
                confusions[behaviour].append((row["id"], expected, outcome))
    result = {}
    for behaviour, c in counts.items():
        tp = c["missed->missed"]
        flagged = tp + c["passed->missed"]
        truly = c["missed->missed"] + c["missed->passed"] + c["missed->not_applicable"]
        passed_ok = c["passed->passed"]
        said_passed = passed_ok + c["missed->passed"]
        result[behaviour] = {
            "n": c["n"],
            "expected_missed": truly,
            "missed_precision": _ratio(tp, flagged),
            "missed_recall": _ratio(tp, truly),
            "passed_precision": _ratio(passed_ok, said_passed),
            "default_on": behaviour not in OFF_BY_DEFAULT,
            "errors": confusions[behaviour][:5],
        }
    return {
        "behaviours": result,
        "not_checked": _ratio(not_checked["ok"], not_checked["total"]),
        "replies": len(rows),
    }


def cpu(rows: list[dict], repeat: int) -> dict:
    from carefront.quality.checks import check_reply

    contexts = [context_of(r) for r in rows]
    for context in contexts:  # warm the compiled patterns
        check_reply(context)
    each: list[int] = []
    start = time.process_time_ns()
    for _ in range(repeat):
        for context in contexts:
            t = time.thread_time_ns()
            check_reply(context)
            each.append(time.thread_time_ns() - t)
    total = time.process_time_ns() - start
    each.sort()
    return {
        "replies": len(contexts),
        "mean_ms": round(total / (repeat * len(contexts)) / 1e6, 3),
        "p95_ms": round(each[int(0.95 * (len(each) - 1))] / 1e6, 3),
        "max_ms": round(each[-1] / 1e6, 3),
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=["heldout", "tune", "all"], default="heldout")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    setup()
    rows = load(args.split)
    sources = Counter(r["source"] for r in rows)
    evaluation = evaluate(rows)
    tune = evaluate(load("tune")) if args.split == "heldout" else None
    timing = cpu(load("all"), args.repeat)
    print(f"Split: {args.split} ({len(rows)} replies: {dict(sources)})\n")
    print(
        "| behaviour | on | n | flagged by a person | missed precision | missed recall |"
        " passed precision | tune: missed precision / recall |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for behaviour, r in evaluation["behaviours"].items():
        t = tune["behaviours"][behaviour] if tune else None
        tune_text = f"{_fmt(t['missed_precision'])} / {_fmt(t['missed_recall'])}" if t else ""
        print(
            f"| {behaviour} | {'on' if r['default_on'] else 'off'} | {r['n']} | "
            f"{r['expected_missed']} | {_fmt(r['missed_precision'])} | "
            f"{_fmt(r['missed_recall'])} | {_fmt(r['passed_precision'])} | {tune_text} |"
        )
    print(f"\nOther languages marked not checked: {_fmt(evaluation['not_checked'])}")
    print(
        f"CPU per reply ({timing['replies']} replies x {args.repeat}): {timing['mean_ms']} ms "
        f"mean, p95 {timing['p95_ms']} ms, slowest {timing['max_ms']} ms\n"
    )
    for behaviour, r in evaluation["behaviours"].items():
        for row_id, expected, got in r["errors"]:
            print(f"  {behaviour}: {row_id} expected {expected}, got {got}", file=sys.stderr)
    print(
        json.dumps(
            {
                "split": args.split,
                "replies": len(rows),
                "sources": dict(sources),
                "behaviours": {
                    b: {k: v for k, v in r.items() if k != "errors"}
                    for b, r in evaluation["behaviours"].items()
                },
                "tune": {
                    b: {k: v for k, v in r.items() if k != "errors"}
                    for b, r in (tune["behaviours"].items() if tune else [])
                },
                "not_checked": evaluation["not_checked"],
                "cpu": timing,
                "target_precision": TARGET_PRECISION,
                "target_cpu_ms": TARGET_CPU_MS,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
