"""Smoke test of the chat benchmark's helpers (bench/chat.py); the benchmark itself is run by
`bench/run.py --only chat`, not by the tests."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chat import cpu_seconds, message_number, message_text, percentile, rss_kib, summarize


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 95) is None


def test_summary_in_milliseconds():
    summary = summarize([0.010, 0.020, 0.030, 0.040])
    assert summary["p50_ms"] == 20.0
    assert summary["max_ms"] == 40.0
    assert summarize([])["p95_ms"] is None


def test_message_numbers_round_trip():
    assert message_number(message_text(0)) == 0
    assert message_number(message_text(987)) == 987
    assert message_number("Hello from visitor 3") is None
    assert message_number("bench-x hello") is None


def test_rss_of_this_process():
    assert rss_kib(os.getpid()) > 1000


def test_cpu_of_this_process_grows():
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(300_000))
    assert cpu_seconds(os.getpid()) >= before
