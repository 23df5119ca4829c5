"""Run Carefront's benchmarks and print a markdown table (`make bench`). See bench/README.md.

    .venv/bin/python bench/run.py [--only ingest|web|api|send-crash|business-time|
                                         sla-engine|acknowledgements|sentiment|recovery|
                                         feedback|feedback-report|qa|knowledge|
                                         improvement-crash|widget-size|triage|
                                         rules|chat]
                                  [--messages 10000]
                                  [--conversations 100000] [--requests 200] [--reuse]
                                  [--creates 2000] [--clients 8] [--workers 2]
                                  [--kills 24] [--kill-rounds 3]

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
TARGET_API_LIST_P95_MS = 30
TARGET_API_CREATES_PER_S = 200
TARGET_DUE_TIMES_S = 10
TARGET_TIMERS_LAG_S = 60
TARGET_THEME_PURITY = 0.8
TARGET_GROUP_10K_S = 60
TARGET_FEEDBACK_P95_MS = 50
TARGET_KB_TOP3 = 0.85
TARGET_KB_SUGGEST_P95_MS = 30
TARGET_KB_PAGE_P95_MS = 30
TARGET_INTENT_ACCURACY = 0.85
TARGET_INTENT_CPU_MS = 2.0
TARGET_RULES_ADDED_CPU_MS = 0.3
TARGET_RULES_THROUGHPUT_LOSS_PCT = 10
TARGET_CHAT_P95_MS = 100


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
    small, large, rows = _ensure_web_databases(conversations, reuse)
    counts = {}
    for database, label in ((small, "1k"), (large, f"{conversations // 1000}k")):
        counts[label] = _run("web_pages.py", "queries", "--database", str(database))
    labels = list(counts)
    for page in ("inbox", "inbox_priority", "inbox_due", "inbox_breached", "conversation"):
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
    for page, label in (
        ("inbox", "GET / (inbox, first page)"),
        ("inbox_priority", "GET /?sort=priority (highest priority first)"),
        ("inbox_due", "GET /?sort=due (SLA countdowns, due soonest)"),
        ("inbox_breached", "GET /?sla=breached (SLA breached, due order)"),
        ("conversation", "GET /c/<id>/"),
    ):
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
    for page, label in (
        ("inbox", "GET /, no cache"),
        ("inbox_priority", "GET /?sort=priority, no cache"),
        ("inbox_due", "GET /?sort=due, no cache"),
        ("inbox_breached", "GET /?sla=breached, no cache"),
        ("conversation", "GET /c/<id>/, no cache"),
    ):
        rows.append(
            (
                f"{label}, p50 / p95",
                f"{cold[f'{page}_p50_ms']} / {cold[f'{page}_p95_ms']} ms",
                "(first view)",
                "",
            )
        )
    return rows


def _ensure_web_databases(
    conversations: int, reuse: bool
) -> tuple[Path, Path, list[tuple[str, str, str, str]]]:
    """The 1k and large databases of web_pages.py, built unless `reuse` finds them."""
    rows = []
    small, large = OUT / "web-1k.sqlite3", OUT / f"web-{conversations}.sqlite3"
    for database, count in ((small, 1000), (large, conversations)):
        if reuse and database.exists():
            # A database from an earlier run gets the migrations (indexes...) added since.
            migrated = _run("web_pages.py", "migrate", "--database", str(database))
            if "error" in migrated:
                rows.append(("web migrate", migrated["error"], "", ""))
        else:
            built = _run(
                "web_pages.py", "build", "--database", str(database), "--conversations", str(count)
            )
            if "error" in built:
                rows.append(("web build", built["error"], "", ""))
                continue
            rows.append(
                (
                    f"setup: {built['conversations']} conversations (bulk)",
                    f"{built['seconds']} s, {built['database_mb']} MB",
                    "",
                    "",
                )
            )
    return small, large, rows


def api_rows(
    conversations: int, requests: int, creates: int, clients: int, workers: int, reuse: bool
) -> list[tuple[str, str, str, str]]:
    small, large, rows = _ensure_web_databases(conversations, reuse)
    label = f"{conversations // 1000}k"
    counts = [_run("api.py", "queries", "--database", str(db)) for db in (small, large)]
    values = [c.get("list_queries") for c in counts]
    same = None not in values and len(set(values)) == 1
    same = same and {c.get("list_status") for c in counts} == {200}
    rows.append(
        (
            f"SQL queries, GET /api/v1/conversations (1k vs {label})",
            " vs ".join(str(v) for v in values),
            "equal",
            _mark(same),
        )
    )
    r = _run(
        "api.py",
        "http",
        "--database",
        str(large),
        "--requests",
        str(requests),
        "--creates",
        str(creates),
        "--clients",
        str(clients),
        "--workers",
        str(workers),
    )
    if "error" in r:
        return [*rows, ("api http", r["error"], "", "")]
    rows += [
        (
            f"GET /api/v1/conversations (first page), {label} conv., p50 / p95",
            f"{r['list_p50_ms']} / {r['list_p95_ms']} ms ({r['list_cpu_ms']} ms CPU/request)",
            f"p95 <= {TARGET_API_LIST_P95_MS} ms",
            _mark(r["list_p95_ms"] <= TARGET_API_LIST_P95_MS),
        ),
        (
            f"POST /api/v1/conversations, {clients} clients, {workers} workers",
            f"{r['create_per_s']} req/s (median of rounds: "
            f"{' / '.join(str(v) for v in r['create_rounds'])}), p95 {r['create_p95_ms']} ms "
            f"({r['create_cpu_ms']} ms server CPU/request)",
            f">= {TARGET_API_CREATES_PER_S} req/s",
            _mark(r["create_per_s"] >= TARGET_API_CREATES_PER_S),
        ),
        (
            "POST /api/v1/conversations errors",
            f"{r['create_errors']} of {r['create_requests']} ({json.dumps(r['create_statuses'])})",
            "0",
            _mark(r["create_errors"] == 0),
        ),
    ]
    return rows


def send_crash_rows(kills: int, rounds: int) -> list[tuple[str, str, str, str]]:
    r = _run("send_crash.py", "--replies", "200", "--kills", str(kills), "--rounds", str(rounds))
    if "error" in r:
        return [("send crash", r["error"], "", "")]
    label = f"200 replies x {rounds} rounds, sender killed {r['kills']} times in all"
    per_round = " / ".join(str(each["duplicated"]) for each in r["rounds"])
    return [
        (f"{label}: replies lost", str(r["lost"]), "0", _mark(r["lost"] == 0)),
        (
            f"{label}: replies received twice",
            f"{r['duplicated']} (per round: {per_round}; resent in flight: "
            f"{r['resent_in_flight']})",
            "as few as SMTP allows",
            "",
        ),
        (
            "window: relay stored the reply -> hand-over written (p50, median of rounds)",
            f"{r['window_ms_p50_median']} ms",
            "",
            "",
        ),
        (
            "tasks left RUNNING after the kills",
            str(r["tasks_running_after_workers"]),
            "0",
            _mark(r["tasks_running_after_workers"] == 0),
        ),
        (
            "replies that needed a flush 10 min later",
            str(r["missing_until_forced_flush"]),
            "0",
            _mark(r["missing_until_forced_flush"] == 0),
        ),
    ]


def business_time_rows(conversations: int) -> list[tuple[str, str, str, str]]:
    r = _run("business_time.py", "--conversations", str(conversations))
    if "error" in r:
        return [("business time", r["error"], "", "")]
    return [
        (
            f"SLA due times, {r['conversations']:,} conv. on {r['calendars']} calendars",
            f"{r['due_times_s']} s ({r['per_second']:,}/s, CPU {r['due_times_cpu_s']} s)",
            f"<= {TARGET_DUE_TIMES_S} s",
            _mark(r["due_times_s"] <= TARGET_DUE_TIMES_S),
        ),
        (
            "business time back over each (add then measure)",
            f"{r['between_s']} s, {r['round_trip_mismatches']} mismatches",
            "0 mismatches",
            _mark(r["round_trip_mismatches"] == 0),
        ),
    ]


def acknowledgement_rows() -> list[tuple[str, str, str, str]]:
    r = _run("acknowledgements.py")
    if "error" in r:
        return [("acknowledgements", r["error"], "", "")]
    return [
        (
            f"ack estimate, {r['first_replies']:,} first replies, cold / warm cache",
            f"{r['estimate_cold']['median_ms']} / {r['estimate_warm']['median_ms']} ms (median)",
            "bounded (no target)",
            "",
        ),
        (
            "ack sent end to end (estimate, message, outbox)",
            f"{r['send']['median_ms']} ms median, p95 {r['send']['p95_ms']} ms, "
            f"queries {r['send_queries']}",
            "constant queries",
            _mark(len(r["send_queries"]) == 1),
        ),
    ]


def sla_engine_rows(conversations: int, timers: int) -> list[tuple[str, str, str, str]]:
    rows = []
    r = _run("sla_engine.py", "recompute", "--conversations", str(conversations))
    if "error" in r:
        rows.append(("SLA recompute", r["error"], "", ""))
    else:
        rows += [
            (
                f"SLA bulk recompute, {r['conversations']:,} conv. (match, targets, due times, "
                f"writes, {r['timers_queued']:,} timers queued)",
                f"{r['first_pass_s']} s ({r['per_second']:,}/s, CPU {r['first_pass_cpu_s']} s)",
                f"<= {TARGET_DUE_TIMES_S} s",
                _mark(r["first_pass_s"] <= TARGET_DUE_TIMES_S),
            ),
            (
                f"SLA re-plan after a policy change ({r['second_pass_targets_updated']:,} targets)",
                f"{r['second_pass_s']} s (CPU {r['second_pass_cpu_s']} s)",
                "",
                "",
            ),
        ]
    r = _run("sla_engine.py", "timers", "--timers", str(timers))
    if "error" in r:
        rows.append(("SLA timers", r["error"], "", ""))
    else:
        ok = r["fired"] == r["timers"] and r["fired_twice"] == 0 and r["not_run"] == 0
        rows.append(
            (
                f"SLA timers due within {r['due_spread_s']} s, {r['workers']} db_workers",
                f"{r['fired']:,}/{r['timers']:,} fired, {r['fired_twice']} twice, "
                f"{r['not_run']} not run; lag p50 {r['lag_p50_s']} s, p95 {r['lag_p95_s']} s, "
                f"max {r['lag_max_s']} s",
                f"all, once, within {TARGET_TIMERS_LAG_S} s",
                _mark(ok and (r["lag_max_s"] or 0) <= TARGET_TIMERS_LAG_S),
            )
        )
    return rows


def sentiment_rows() -> list[tuple[str, str, str, str]]:
    r = _run("sentiment.py")
    if "error" in r:
        return [("sentiment", r["error"], "", "")]
    return [
        (
            f"sentiment: complaint vs review ({r['complaints']} + {r['reviews']} bitext)",
            f"{r['complaint_vs_review_accuracy_pct']} % accuracy",
            "",
            "",
        ),
        (
            "sentiment: bitext / banking77 requests that would open a recovery task",
            f"{r['bitext_request_alarm_pct']} % / {r['banking77_alarm_pct']} %",
            "",
            "",
        ),
        (
            "language: English found / named threads right or unknown",
            f"{r['english_detected_pct']} % / {r['named_threads_ok']}",
            "",
            "",
        ),
        ("sentiment speed", f"{r['sentiment_per_s']:,} texts/s", "", ""),
    ]


def recovery_rows(tasks: int) -> list[tuple[str, str, str, str]]:
    r = _run("recovery.py", "--tasks", str(tasks))
    if "error" in r:
        return [("recovery", r["error"], "", "")]
    return [
        (
            f"recovery: {name} ({r['tasks']:,} tasks)",
            f"{m['ms']} ms, {m['queries']} queries, {m['rows']} rows",
            "",
            "",
        )
        for name, m in r["results"].items()
    ]


def feedback_rows(comments: int, requests: int, reuse: bool) -> list[tuple[str, str, str, str]]:
    rows = []
    for corpus, space in (
        ("banking77", "minilm"),
        ("banking77", "lexical"),
        ("bitext", "minilm"),
        ("bitext", "lexical"),
    ):
        r = _run("feedback.py", "group", "--corpus", corpus, "--space", space)
        if "error" in r:
            rows.append((f"themes, {corpus}, {space}", r["error"], "", ""))
            continue
        target = corpus == "banking77" and space == "minilm"
        rows += [
            (
                f"themes, {corpus} ({r['intents']} intents), {space}: purity / ARI, all "
                "(tuning half; held-out half)",
                f"{r['purity']} / {r['ari']} ({r['purity_dev']} / {r['ari_dev']}; "
                f"**{r['purity_held_out']}** / {r['ari_held_out']}), {r['themes']} themes",
                f"held out >= {TARGET_THEME_PURITY}" if target else "",
                _mark(r["purity_held_out"] >= TARGET_THEME_PURITY) if target else "",
            ),
            (
                f"themes, {corpus}, {space}, k = intents: purity / ARI",
                f"{r['k_intents_purity']} / {r['k_intents_ari']} ({r['k_intents_themes']} themes)",
                "",
                "",
            ),
            (
                f"group {r['comments']:,} comments, {corpus}, {space} (first / vectors stored)",
                f"{r['first_s']} s (CPU {r['first_cpu_s']} s) / {r['again_s']} s",
                f"<= {TARGET_GROUP_10K_S} s",
                _mark(r["first_s"] <= TARGET_GROUP_10K_S),
            ),
        ]
    database = OUT / f"feedback-{comments}.sqlite3"
    if not (reuse and database.exists()):
        r = _run(
            "feedback.py", "inbox-build", "--comments", str(comments), "--database", str(database)
        )
        if "error" in r:
            return [*rows, ("feedback inbox build", r["error"], "", "")]
    r = _run("feedback.py", "inbox-http", "--database", str(database), "--requests", str(requests))
    if "error" in r:
        return [*rows, ("feedback inbox http", r["error"], "", "")]
    for page in (
        "all",
        "negative",
        "largest_theme",
        "smallest_theme",
        "no_theme",
        "inbox_nps_range",
        "themes_over_time",
        "api_comments",
        "api_theme_negative",
        "api_themes_growth",
    ):
        target = page not in ("themes_over_time", "api_themes_growth")
        rows.append(
            (
                f"GET {'/api/v1/feedback/…' if page.startswith('api') else '/feedback/'} ({page}), "
                f"{comments // 1000}k comments, p50 / p95 (server CPU)",
                f"{r[f'{page}_p50_ms']} / {r[f'{page}_p95_ms']} ms "
                f"({r.get(f'{page}_server_cpu_ms')} ms CPU, {r[f'{page}_queries']} queries)",
                f"p95 <= {TARGET_FEEDBACK_P95_MS} ms" if target else "",
                _mark(r[f"{page}_p95_ms"] <= TARGET_FEEDBACK_P95_MS) if target else "",
            )
        )
    return rows


def qa_rows() -> list[tuple[str, str, str, str]]:
    r = _run("qa.py")
    if "error" in r:
        return [("auto-QA", r["error"], "", "")]
    rows = []
    for behaviour, m in r["behaviours"].items():
        precision = m["missed_precision"]
        on = m["default_on"]
        rows.append(
            (
                f"auto-QA {behaviour} ({'on' if on else 'off by default'}), held-out "
                f"{m['n']} replies, {m['expected_missed']} flagged by a person",
                f"precision {precision if precision is not None else 'n/a'}, recall "
                f"{m['missed_recall'] if m['missed_recall'] is not None else 'n/a'}",
                f">= {r['target_precision']} precision (default-on)",
                _mark(precision is not None and precision >= r["target_precision"])
                if on
                else "off",
            )
        )
    rows.append(
        (
            f"auto-QA CPU per reply ({r['cpu']['replies']} replies, no embedding model)",
            f"{r['cpu']['mean_ms']} ms mean, p95 {r['cpu']['p95_ms']} ms, "
            f"slowest {r['cpu']['max_ms']} ms",
            f"<= {r['target_cpu_ms']} ms",
            _mark(r["cpu"]["mean_ms"] <= r["target_cpu_ms"]),
        )
    )
    return rows


def knowledge_rows() -> list[tuple[str, str, str, str]]:
    rows = []
    for corpus in ("banking77", "bitext"):
        r = _run("knowledge.py", "quality", "--corpus", corpus)
        if "error" in r:
            rows.append((f"KB suggestions, {corpus}", r["error"], "", ""))
            continue
        rows.append(
            (
                f"KB suggestions, {corpus} ({r['intents']} articles, {r['questions']} held-out "
                "questions), full text: top-1 / top-3",
                f"{r['text_top1']} / {r['text_top3']}",
                "",
                "",
            )
        )
        if "semantic_top3" in r:
            rows.append(
                (
                    f"KB suggestions, {corpus}, full text + semantic: top-1 / top-3",
                    f"{r['semantic_top1']} / {r['semantic_top3']}",
                    f"top-3 >= {TARGET_KB_TOP3}",
                    _mark(r["semantic_top3"] >= TARGET_KB_TOP3),
                )
            )
    r = _run("knowledge.py", "latency")
    if "error" in r:
        return [*rows, ("KB latency", r["error"], "", "")]
    for label in ("text", "semantic"):
        if f"suggest_{label}_p95_ms" not in r:
            continue
        rows.append(
            (
                f"article_suggestions over {r['articles']:,} articles ({label}): p50 / p95 "
                "(CPU p95)",
                f"{r[f'suggest_{label}_p50_ms']} / {r[f'suggest_{label}_p95_ms']} ms "
                f"({r[f'suggest_{label}_cpu_p95_ms']} ms; load {r['load_average']})",
                f"p95 <= {TARGET_KB_SUGGEST_P95_MS} ms",
                _mark(r[f"suggest_{label}_p95_ms"] <= TARGET_KB_SUGGEST_P95_MS),
            )
        )
    rows.extend(
        (
            f"help centre {page} page, {r['articles']:,} articles (in-process): p50 / p95 "
            "(CPU p95)",
            f"{r[f'page_{page}_p50_ms']} / {r[f'page_{page}_p95_ms']} ms "
            f"({r[f'page_{page}_cpu_p95_ms']} ms)",
            f"p95 <= {TARGET_KB_PAGE_P95_MS} ms",
            _mark(r[f"page_{page}_p95_ms"] <= TARGET_KB_PAGE_P95_MS),
        )
        for page in ("home", "article", "search")
    )
    return rows


def feedback_report_rows(
    ratings: int, requests: int, reuse: bool
) -> list[tuple[str, str, str, str]]:
    args = ["--ratings", str(ratings), "--requests", str(min(requests, 50))]
    r = _run("feedback_report.py", *args, *(["--reuse"] if reuse else []))
    if "error" in r:
        return [("feedback report", r["error"], "", "")]
    return [
        (
            f"feedback report: {name}, {r['ratings']:,} ratings, p50 / p95",
            f"{m['p50_ms']} / {m['p95_ms']} ms ({m['queries']} queries)",
            "",
            "",
        )
        for name, m in r["pages"].items()
    ]


def rules_rows(messages: int) -> list[tuple[str, str, str, str]]:
    r = _run("rules.py", "--messages", str(messages), "--workdir", str(OUT))
    if "error" in r:
        return [("rules", r["error"], "", "")]
    none, quiet, near = r["none"], r["evaluation_only"], r["near_misses_traced"]
    added = r["added_cpu_ms_per_msg_evaluation"]
    return [
        (
            f"rules: CPU per ingested message, {r['rules']} active rules (none acts) vs none",
            f"+{added} ms ({quiet['cpu_ms_per_msg']} vs {none['cpu_ms_per_msg']} ms; in the "
            f"rules code {quiet['rules_cpu_ms_per_msg']} ms; "
            f"{quiet['rules_queries_per_change']} queries per change)",
            f"<= {TARGET_RULES_ADDED_CPU_MS} ms",
            _mark(added <= TARGET_RULES_ADDED_CPU_MS),
        ),
        (
            f"rules: ingest throughput, {r['rules']} rules (none acts) vs none "
            f"({r['messages']} msgs)",
            f"{quiet['msg_per_s']} vs {none['msg_per_s']} msg/s "
            f"({r['throughput_change_pct_evaluation']:+} %; {quiet['trace_rows']} trace rows)",
            f">= -{TARGET_RULES_THROUGHPUT_LOSS_PCT} %",
            _mark(r["throughput_change_pct_evaluation"] >= -TARGET_RULES_THROUGHPUT_LOSS_PCT),
        ),
        (
            f"rules: CPU per ingested message, {r['rules']} rules, some acting (info)",
            f"+{r['added_cpu_ms_per_msg']} ms, {r['throughput_change_pct']:+} % msg/s "
            f"({near['matched']} rules acted, {near['trace_rows']} trace rows; tracing every "
            f"rule: +{r['added_cpu_ms_per_msg_all_traced']} ms)",
            "",
            "",
        ),
    ]


def improvement_crash_rows(kills: int) -> list[tuple[str, str, str, str]]:
    r = _run("improvement_crash.py", "--customers", "300", "--kills", str(kills))
    if "error" in r:
        return [("improvement crash", r["error"], "", "")]
    label = f"improvement shipped to 300 customers, worker killed {r['kills']} times"
    return [
        (f"{label}: customers never told", str(r["lost"]), "0", _mark(r["lost"] == 0)),
        (
            f"{label}: customers told when each kill landed",
            " / ".join(map(str, r["told_at_each_kill"])),
            "",
            "",
        ),
        (
            f"{label}: customers told by a later worker's recovery",
            str(r["told_by_recovery"]),
            "",
            "",
        ),
        (f"{label}: customers told twice", str(r["told_twice"]), "0", _mark(r["told_twice"] == 0)),
        (
            f"{label}: messages received twice (outbox, SMTP window)",
            str(r["received_twice"]),
            "as few as SMTP allows",
            "",
        ),
    ]


TARGET_WIDGET_GZIP_BYTES = 20_000


def widget_size_rows() -> list[tuple[str, str, str, str]]:
    r = _run("widget_size.py")
    if "error" in r:
        return [("chat widget size", r["error"], "", "")]
    rows = [
        (
            "chat widget.js (readable source), raw / gzipped",
            f"{r['source']['raw']:,} / {r['source']['gzip']:,} bytes",
            f"gzipped <= {TARGET_WIDGET_GZIP_BYTES:,} bytes",
            _mark(r["source"]["gzip"] <= TARGET_WIDGET_GZIP_BYTES),
        )
    ]
    if "minified" in r:
        rows.append(
            (
                "chat widget.min.js (terser), raw / gzipped",
                f"{r['minified']['raw']:,} / {r['minified']['gzip']:,} bytes"
                + (" (STALE: rebuild it)" if r["minified_stale"] else ""),
                "",
                "",
            )
        )
    return rows


def triage_rows() -> list[tuple[str, str, str, str]]:
    r = _run("triage.py")
    if "error" in r:
        return [("triage", r["error"], "", "")]
    rows: list[tuple[str, str, str, str]] = []
    for name in ("banking77", "bitext"):
        if f"{name}_accuracy" not in r:
            rows.append((f"intent: {name}", str(r.get(name, "not run")), "", ""))
            continue
        target = name == "banking77"
        rows += [
            (
                f"intent: {name} accuracy / macro-F1 ({r[f'{name}_split']}, "
                f"{r[f'{name}_train']} train, {r[f'{name}_test']} test)",
                f"{r[f'{name}_accuracy']} / {r[f'{name}_macro_f1']}",
                f">= {TARGET_INTENT_ACCURACY}" if target else "",
                _mark(r[f"{name}_accuracy"] >= TARGET_INTENT_ACCURACY) if target else "",
            ),
            (
                f"intent: {name} training time / model size",
                f"{r[f'{name}_train_s']} s / {r[f'{name}_model_mb']} MB",
                "",
                "",
            ),
            (
                f"intent: {name} prediction CPU per message (whole triage: language, "
                "sentiment, urgency, intent)",
                f"{r[f'{name}_predict_cpu_ms']} ms ({r.get(f'{name}_triage_cpu_ms', '?')} ms)",
                f"<= {TARGET_INTENT_CPU_MS} ms",
                _mark(r[f"{name}_predict_cpu_ms"] <= TARGET_INTENT_CPU_MS),
            ),
        ]
        if f"{name}_minilm_accuracy" in r:
            rows.append(
                (
                    f"intent: {name} with MiniLM embeddings (accuracy, CPU incl. the model)",
                    f"{r[f'{name}_minilm_accuracy']}, {r[f'{name}_minilm_cpu_ms']} ms",
                    "",
                    "",
                )
            )
    rows.append(
        (
            f"language: {r['language_sample']} messages in {r['language_languages']} languages "
            f"/ {r['language_short']} of 1-4 words (combined, py3langid, lexicon)",
            f"{r['language_combined_sample_pct']} / {r['language_combined_short_pct']} %, "
            f"{r['language_py3langid_sample_pct']} / {r['language_py3langid_short_pct']} %, "
            f"{r['language_lexicon_sample_pct']} / {r['language_lexicon_short_pct']} %",
            "",
            "",
        )
    )
    rows.append(("language: CPU per message (combined)", f"{r['language_combined_ms']} ms", "", ""))
    return rows


def chat_rows() -> list[tuple[str, str, str, str]]:
    r = _run("chat.py")
    if "error" in r:
        return [("chat sockets", r["error"], "", "")]
    rows = []
    for layer in r["layers"]:
        if "error" in layer:
            rows.append((f"chat sockets, {layer['layer']} layer", layer["error"], "", ""))
            continue
        label = (
            f"chat, {layer['sockets_opened']} sockets, {layer['layer']} layer, "
            f"{layer['processes']} process{'es' if layer['processes'] > 1 else ''}"
        )
        rows += [
            (
                f"{label}: visitor message to agent page, p50 / p95 / p99",
                f"{layer['p50_ms']} / {layer['p95_ms']} / {layer['p99_ms']} ms "
                f"({layer['messages']} msgs at {layer['rate_per_s']}/s)",
                f"p95 <= {TARGET_CHAT_P95_MS} ms",
                _mark(layer["p95_ms"] is not None and layer["p95_ms"] <= TARGET_CHAT_P95_MS),
            ),
            (
                f"{label}: messages dropped",
                f"{layer['dropped']} of {layer['messages']}",
                "0",
                _mark(layer["dropped"] == 0),
            ),
            (
                f"{label}: memory per idle socket",
                f"{layer['kib_per_socket']} KiB",
                "(reported)",
                "",
            ),
            (
                f"{label}: visitor's ack p95 / agent's event after the ack p95",
                f"{layer['ack']['p95_ms']} / {layer['agent_after_ack']['p95_ms']} ms",
                "(storing / fan-out)",
                "",
            ),
            (
                f"{label}: server CPU per message",
                f"{layer['server_cpu_ms_per_message']} ms",
                "(reported)",
                "",
            ),
        ]
    rows.append(
        ("chat: load average before / after", f"{r['load_before']} / {r['load_after']}", "", "")
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    benchmarks = [
        "ingest",
        "web",
        "api",
        "send-crash",
        "business-time",
        "sla-engine",
        "acknowledgements",
        "sentiment",
        "recovery",
        "feedback",
        "qa",
        "knowledge",
        "feedback-report",
        "improvement-crash",
        "widget-size",
        "triage",
        "rules",
        "chat",
    ]
    parser.add_argument("--only", choices=benchmarks)
    parser.add_argument("--timers", type=int, default=10_000, help="sla-engine: timers")
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the web databases of an earlier run"
    )
    parser.add_argument("--kills", type=int, default=24, help="send-crash: kills per round")
    parser.add_argument("--kill-rounds", type=int, default=3, help="send-crash: rounds")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rows: list[tuple[str, str, str, str]] = []
    if args.only in (None, "ingest"):
        rows += ingest_rows(args.messages)
    if args.only in (None, "web"):
        rows += web_rows(args.conversations, args.requests, args.reuse)
    if args.only in (None, "api"):
        # After `web`, whose databases it reuses (`--reuse` or not, they were just built).
        reuse = args.reuse or args.only is None
        rows += api_rows(
            args.conversations, args.requests, args.creates, args.clients, args.workers, reuse
        )
    if args.only in (None, "send-crash"):
        rows += send_crash_rows(args.kills, args.kill_rounds)
    if args.only in (None, "business-time"):
        rows += business_time_rows(args.conversations)
    if args.only in (None, "acknowledgements"):
        rows += acknowledgement_rows()
    if args.only in (None, "sla-engine"):
        rows += sla_engine_rows(args.conversations, args.timers)
    if args.only in (None, "sentiment"):
        rows += sentiment_rows()
    if args.only in (None, "recovery"):
        rows += recovery_rows(args.conversations)
    if args.only in (None, "feedback"):
        rows += feedback_rows(args.conversations, args.requests, args.reuse)
    if args.only in (None, "qa"):
        rows += qa_rows()
    if args.only in (None, "knowledge"):
        rows += knowledge_rows()
    if args.only in (None, "feedback-report"):
        rows += feedback_report_rows(args.conversations, args.requests, args.reuse)
    if args.only in (None, "improvement-crash"):
        rows += improvement_crash_rows(min(args.kills, 12))
    if args.only in (None, "widget-size"):
        rows += widget_size_rows()
    if args.only in (None, "triage"):
        rows += triage_rows()
    if args.only in (None, "rules"):
        rows += rules_rows(min(args.messages, 2000))
    if args.only in (None, "chat"):
        rows += chat_rows()
    print("| benchmark | result | target | |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\n_{time.strftime('%Y-%m-%d %H:%M')}, {time.monotonic() - started:.0f} s in all._")
    return 0


if __name__ == "__main__":
    sys.exit(main())
