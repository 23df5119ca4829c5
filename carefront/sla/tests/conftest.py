"""Fixtures of the SLA engine's tests: a clock to move by hand, policies, collected events."""

import datetime as dt

import pytest

from carefront.core import events as bus
from carefront.sla import events as sla_events
from carefront.sla.models import SlaPolicy

# Monday 2026-03-02 10:00 UTC.
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs) -> dt.datetime:
        self.now += dt.timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Frozen time (`django.utils.timezone.now`), moved on with `clock.advance(minutes=5)`."""
    clock = Clock(START)
    monkeypatch.setattr("django.utils.timezone.now", clock)
    return clock


@pytest.fixture
def policy(db):
    """First reply in 60 min, next reply in 120 min, resolution in 480 min, calendar time;
    at risk 30 min before."""
    return SlaPolicy.objects.create(
        name="Standard",
        position=10,
        first_reply_minutes=60,
        first_reply_basis="calendar",
        next_reply_minutes=120,
        next_reply_basis="calendar",
        resolution_minutes=480,
        resolution_basis="calendar",
        at_risk_minutes=30,
    )


@pytest.fixture
def sla_events_seen():
    """The SLA events published (after commit subscribers see them on commit; these are
    collected at once, inside the transaction)."""
    seen: list = []
    for event_type in (
        sla_events.SlaTargetAtRisk,
        sla_events.SlaTargetBreached,
        sla_events.SlaTargetMet,
    ):
        bus.subscribe(event_type, seen.append, in_transaction=True)
    yield seen
    for event_type in (
        sla_events.SlaTargetAtRisk,
        sla_events.SlaTargetBreached,
        sla_events.SlaTargetMet,
    ):
        bus._in_transaction[event_type].remove(seen.append)
