"""The cost of a change does not grow with the number of rules: one read for the change's facts
(SQL built once per process), one write for the near-miss trace rows, whatever the rules."""

import pytest

from carefront.automation.models import RuleRun
from carefront.automation.rules import runner
from carefront.automation.rules.engine import active_rules
from carefront.conversations.models import Conversation, Message
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db


def _rules(make_rule, count: int) -> None:
    for i in range(count):
        make_rule(
            name=f"Rule {i}",
            conditions={
                "all": [
                    {"field": "status", "op": "is", "value": "open"},
                    {"field": "message_text", "op": "contains", "value": f"rare-word-{i}"},
                ]
            },
            actions=[{"type": "add_tags", "params": {"tags": ["x"]}}],
        )


@pytest.mark.parametrize("count", [2, 40])
def test_queries_per_change_do_not_depend_on_the_number_of_rules(
    inbox, make_rule, count, django_assert_num_queries, settings
):
    settings.CAREFRONT = {**settings.CAREFRONT, "RULES_TRACE": "near"}
    conversation = conversation_for(inbox, body_text="Hello there")
    message = Message.objects.filter(conversation=conversation).latest("id")
    _rules(make_rule, count)
    active_rules("customer_message")  # the index, built once per rule change
    # One read (message, conversation, inbox, customer), one INSERT of the near misses.
    with django_assert_num_queries(2):
        written = runner.run_change(
            trigger="customer_message",
            conversation_id=conversation.pk,
            change_key="message:speed",
            message_id=message.pk,
        )
    assert written == []
    rows = RuleRun.objects.filter(conversation=conversation, change_key="message:speed")
    assert rows.count() == count
    assert {r.outcome for r in rows} == {RuleRun.Outcome.NOT_MATCHED}
    assert rows.first().reasons[0]["actual"] == "open"
    # The same change again: the unique constraint ignores the second trace, nothing fails.
    runner.run_change(
        trigger="customer_message",
        conversation_id=conversation.pk,
        change_key="message:speed",
        message_id=message.pk,
    )
    assert rows.count() == count


def test_prepared_reads_give_what_the_orm_gives(inbox):
    conversation = conversation_for(inbox, body_text="Hello there")
    message = Message.objects.filter(conversation=conversation).latest("id")
    loaded = runner._MESSAGE.first(conversation.pk, message.pk)
    expected = Message.objects.get(pk=message.pk)
    assert loaded == expected
    for field in Message._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    fresh = Conversation.objects.select_related("inbox", "customer").get(pk=conversation.pk)
    assert loaded.conversation.subject == fresh.subject
    assert loaded.conversation.created_at == fresh.created_at
    assert loaded.conversation.customer.email == fresh.customer.email
    assert loaded.conversation.inbox.channel == fresh.inbox.channel
    assert runner._MESSAGE.first(conversation.pk, message.pk + 10_000) is None
    assert runner._CONVERSATION.first(conversation.pk) == fresh
    assert runner._LATEST_INCOMING.first(conversation.pk) == expected
