"""Fixtures of the rules tests: rules made through the services, changes committed (after-commit
subscribers run), a clock to move by hand, a real HTTP receiver for webhook calls."""

import datetime as dt

import pytest

from carefront.automation.rules.services import rule_create
from carefront.inboxes.tests.factories import InboxFactory
from carefront.webhooks.tests.conftest import receiver  # noqa: F401 - a fixture

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
    """Frozen time (`django.utils.timezone.now`), moved on with `clock.advance(hours=5)`."""
    clock = Clock(START)
    monkeypatch.setattr("django.utils.timezone.now", clock)
    return clock


@pytest.fixture
def inbox(team):
    """An inbox without the SLA app's automatic acknowledgement: the messages tests count are
    the rules' own."""
    return InboxFactory(teams=[team], send_acknowledgement=False)


@pytest.fixture
def make_rule(admin):
    """An active rule through the services (validated, loop-checked)."""

    def make(*, actions, trigger="customer_message", conditions=None, name=None, **fields):
        make.count += 1
        return rule_create(
            actor=admin,
            name=name or f"Rule {make.count}",
            trigger=trigger,
            conditions=conditions or {},
            actions=actions,
            is_active=fields.pop("is_active", True),
            **fields,
        )

    make.count = 0
    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs what was deferred to the commit (rules run then), including
    what those callbacks defer in turn."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
