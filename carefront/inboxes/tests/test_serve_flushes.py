"""The embedded runtime's minute-by-minute catch-up: every flush runs, and one that fails does
not stop the others."""

import threading

from carefront.inboxes.management.commands import serve


class _StopAfterOneRound(threading.Event):
    def __init__(self) -> None:
        super().__init__()
        self.rounds = 0

    def wait(self, timeout=None) -> bool:
        self.rounds += 1
        return self.rounds > 1


def test_a_failing_flush_does_not_stop_the_others(monkeypatch, caplog):
    ran = []

    def flush(label):
        def run():
            ran.append(label)
            if label == "Webhook":
                raise RuntimeError("down")

        return run

    monkeypatch.setattr(
        serve, "FLUSHES", tuple((label, flush(label)) for label, _ in serve.FLUSHES)
    )
    monkeypatch.setattr(serve, "close_old_connections", lambda: None)
    serve._flush_outbox_every(stop=_StopAfterOneRound(), seconds=0)
    assert ran == [label for label, _ in serve.FLUSHES]
    assert "Webhook flush failed" in caplog.text


def test_the_help_centre_searches_are_settled_too():
    flushes = dict(serve.FLUSHES)
    assert flushes["Help-centre search outcome"] is serve.search_outcomes_settle
    assert {"Outbox", "Survey", "Coaching reminder"} <= set(flushes)
