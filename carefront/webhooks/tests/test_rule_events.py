"""rule.changed: one delivery per write to a rule (created, edited, enabled, disabled, deleted),
with the rule and who changed what."""

import json

import pytest

from carefront.automation.models import Trigger
from carefront.automation.rules.services import (
    rule_create,
    rule_delete,
    rule_set_active,
    rule_update,
)
from carefront.feedback.tests.factories import after_commit
from carefront.webhooks import catalogue
from carefront.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription(admin, receiver):
    return webhook_subscription_create(
        actor=admin, url=receiver.url, event_types=[catalogue.RULE_CHANGED]
    )


def _rule_events(receiver) -> list[dict]:
    return [
        p for p in (json.loads(r.body) for r in receiver.requests) if p["type"] == "rule.changed"
    ]


def test_each_write_to_a_rule_is_one_rule_changed_event(subscription, receiver, admin):
    with after_commit():
        rule = rule_create(
            actor=admin,
            name="Tag refunds",
            trigger=Trigger.CUSTOMER_MESSAGE,
            conditions={"all": [{"field": "message_text", "op": "contains", "value": "refund"}]},
            actions=[{"type": "add_tags", "params": {"tags": ["refund"]}}],
        )
    with after_commit():
        rule_set_active(actor=admin, rule=rule, active=True)
    with after_commit():
        rule_update(actor=admin, rule=rule, name="Tag refund requests")
    with after_commit():
        rule_set_active(actor=admin, rule=rule, active=False)
    with after_commit():
        rule_delete(actor=admin, rule=rule)
    events = _rule_events(receiver)
    assert [e["action"] for e in events] == ["created", "enabled", "updated", "disabled", "deleted"]
    created, enabled, updated, _disabled, deleted = events
    assert created["data"]["rule"]["id"] == rule.pk
    assert created["data"]["rule"]["name"] == "Tag refunds"
    assert created["data"]["change"]["actor"] == {"id": admin.pk, "name": str(admin)}
    assert enabled["data"]["rule"]["is_active"] is True
    assert updated["data"]["change"]["before"]["name"] == "Tag refunds"
    assert updated["data"]["change"]["after"]["name"] == "Tag refund requests"
    # The rule is gone: the event still names it, from the audit row.
    assert deleted["data"]["rule"]["name"] == "Tag refund requests"
    assert deleted["data"]["rule"]["is_active"] is False


def test_rule_changed_is_offered_to_subscribers():
    assert "rule.changed" in catalogue.EVENT_TYPES
