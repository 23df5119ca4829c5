"""Fixtures of the rules tests: rules made through the services, changes committed (after-commit
subscribers run), a clock to move by hand, a real HTTP receiver for webhook calls."""

import pytest

from carefront.automation.rules.services import rule_create
from carefront.inboxes.tests.factories import InboxFactory
from carefront.sla.tests.conftest import START, clock  # noqa: F401 - the SLA tests' clock
from carefront.webhooks.tests.conftest import receiver  # noqa: F401 - a fixture


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
