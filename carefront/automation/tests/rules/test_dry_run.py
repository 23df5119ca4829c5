"""The dry run: matches among the latest conversations, newest first, with reasons; no action,
no trace; a constant number of queries."""

import pytest

from carefront.automation.models import Rule, RuleRun
from carefront.automation.rules.dryrun import rule_dry_run
from carefront.automation.rules.errors import RuleInvalid
from carefront.conversations.models import Conversation
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db


def test_dry_run_lists_matches_newest_first_with_reasons(inbox, django_assert_max_num_queries):
    old = conversation_for(inbox, body_text="Please refund my order")
    conversation_for(inbox, body_text="Just saying hi")
    new = conversation_for(inbox, body_text="REFUND now")
    rule = Rule(
        name="Refunds",
        trigger="customer_message",
        conditions={
            "all": [{"field": "message_text", "op": "contains", "value": "refund"}],
            "any": [
                {"field": "status", "op": "is", "value": "open"},
                {"field": "tags", "op": "includes", "value": ["vip"]},
            ],
        },
        actions=[{"type": "add_tags", "params": {"tags": ["refund"]}}],
    )
    with django_assert_max_num_queries(4):
        result = rule_dry_run(rule=rule)
    assert result.checked == 3
    assert result.matched == [new.pk, old.pk]
    conversation_id, reasons = result.samples[0]
    assert conversation_id == new.pk
    assert reasons[0]["field"] == "message_text"
    assert reasons[0]["result"] is True
    assert reasons[1] == {
        "group": "any",
        "field": "status",
        "op": "is",
        "value": "open",
        "actual": "open",
        "result": True,
    }
    assert reasons[2]["result"] is None  # not needed once one ANY condition held
    assert not RuleRun.objects.exists()
    assert not Rule.objects.exists()
    assert not Conversation.objects.filter(tags__name="refund").exists()


def test_dry_run_is_limited(inbox):
    for _ in range(3):
        conversation_for(inbox)
    rule = Rule(name="All", trigger="conversation_created", conditions={}, actions=[])
    result = rule_dry_run(rule=rule, limit=2)
    assert result.checked == 2
    assert len(result.matched) == 2


def test_dry_run_of_an_invalid_rule_says_what_is_wrong(inbox):
    rule = Rule(
        name="Bad",
        trigger="customer_message",
        conditions={"all": [{"field": "status", "op": "gte", "value": 3}]},
    )
    with pytest.raises(RuleInvalid) as caught:
        rule_dry_run(rule=rule)
    assert "conditions.all.0.op" in caught.value.errors
