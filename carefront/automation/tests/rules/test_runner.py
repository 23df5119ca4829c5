"""Rules on events: run after the change commits, in order, each at most once per change, with
a trace row saying why they matched or not and what they did."""

import pytest

from carefront.automation.models import RuleRun
from carefront.automation.rules.runner import run_change
from carefront.conversations.models import Conversation, Message
from carefront.conversations.services import conversation_set_status
from carefront.conversations.tests.factories import conversation_for, receive

pytestmark = pytest.mark.django_db

URGENT_WORDS = {"all": [{"field": "message_text", "op": "contains", "value": "urgent"}]}


def test_a_matching_rule_acts_after_the_message_commits(inbox, make_rule, committed):
    rule = make_rule(
        conditions=URGENT_WORDS,
        actions=[{"type": "set_priority", "params": {"priority": "urgent"}}],
    )
    with committed():
        conversation = conversation_for(inbox, body_text="This is URGENT, please")
    conversation.refresh_from_db()
    assert conversation.priority == 40
    run = RuleRun.objects.get(rule=rule, conversation=conversation)
    assert run.outcome == RuleRun.Outcome.MATCHED
    assert run.change_key.startswith("message:")
    assert run.reasons == [
        {
            "group": "all",
            "field": "message_text",
            "op": "contains",
            "value": "urgent",
            "actual": "This is URGENT, please",
            "result": True,
        }
    ]
    assert run.done == [
        {
            "type": "set_priority",
            "params": {"priority": "urgent"},
            "done": True,
            "detail": "urgent",
        }
    ]


def test_a_rule_that_does_not_match_leaves_a_trace_and_does_nothing(
    inbox, make_rule, committed, settings
):
    settings.CAREFRONT = {**settings.CAREFRONT, "RULES_TRACE": "all"}
    rule = make_rule(
        conditions=URGENT_WORDS, actions=[{"type": "add_tags", "params": {"tags": ["hot"]}}]
    )
    with committed():
        conversation = conversation_for(inbox, body_text="No hurry at all")
    run = RuleRun.objects.get(rule=rule, conversation=conversation)
    assert run.outcome == RuleRun.Outcome.NOT_MATCHED
    assert run.reasons[0]["result"] is False
    assert run.done == []
    assert not conversation.tags.exists()


def test_rules_run_in_order_and_see_what_earlier_rules_did(inbox, make_rule, committed):
    make_rule(actions=[{"type": "set_priority", "params": {"priority": "high"}}])
    make_rule(
        conditions={"all": [{"field": "priority", "op": "is", "value": "high"}]},
        actions=[{"type": "add_tags", "params": {"tags": ["escalated"]}}],
    )
    with committed():
        conversation = conversation_for(inbox)
    assert list(conversation.tags.values_list("name", flat=True)) == ["escalated"]


def test_a_later_rule_does_not_see_what_a_rule_after_it_does(inbox, make_rule, committed):
    make_rule(
        conditions={"all": [{"field": "priority", "op": "is", "value": "high"}]},
        actions=[{"type": "add_tags", "params": {"tags": ["escalated"]}}],
    )
    make_rule(actions=[{"type": "set_priority", "params": {"priority": "high"}}])
    with committed():
        conversation = conversation_for(inbox)
    assert not conversation.tags.exists()


def test_all_and_any_groups(inbox, make_rule, committed, settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "RULES_TRACE": "all"}
    rule = make_rule(
        conditions={
            "all": [{"field": "subject", "op": "contains", "value": "invoice"}],
            "any": [
                {"field": "sender_email", "op": "ends_with", "value": "@vip.example"},
                {"field": "message_text", "op": "contains", "value": "refund"},
            ],
        },
        actions=[{"type": "add_tags", "params": {"tags": ["billing"]}}],
    )
    with committed():
        both = conversation_for(inbox, subject="Invoice 12", from_address="a@vip.example")
        any_second = conversation_for(inbox, subject="Invoice 13", body_text="a refund?")
        no_any = conversation_for(inbox, subject="Invoice 14", body_text="thanks")
        no_all = conversation_for(inbox, subject="Hello", from_address="b@vip.example")
    tagged = set(Conversation.objects.filter(tags__name="billing").values_list("pk", flat=True))
    assert tagged == {both.pk, any_second.pk}
    outcomes = dict(RuleRun.objects.filter(rule=rule).values_list("conversation_id", "outcome"))
    assert outcomes[no_any.pk] == outcomes[no_all.pk] == RuleRun.Outcome.NOT_MATCHED
    reasons = RuleRun.objects.get(rule=rule, conversation=no_all).reasons
    assert [r["result"] for r in reasons] == [False, None, None]


def test_a_rule_runs_at_most_once_per_change(inbox, make_rule, committed):
    rule = make_rule(actions=[{"type": "add_note", "params": {"body": "Seen by a rule"}}])
    with committed():
        result = receive(inbox)
    message = result.message
    # The same change delivered again (a retried task, a replayed event): nothing more.
    again = run_change(
        trigger="customer_message",
        conversation_id=result.conversation.pk,
        change_key=f"message:{message.pk}",
        message_id=message.pk,
    )
    assert again == []
    assert Message.objects.filter(conversation=result.conversation, direction="note").count() == 1
    assert RuleRun.objects.filter(rule=rule).count() == 1


def test_each_customer_message_is_a_change_of_its_own(inbox, make_rule, committed):
    make_rule(actions=[{"type": "add_note", "params": {"body": "Seen"}}])
    with committed():
        first = receive(inbox)
        receive(
            inbox,
            from_address=first.message.from_address,
            in_reply_to=[first.message.message_id],
            subject=f"Re: {first.conversation.subject}",
        )
    notes = Message.objects.filter(conversation=first.conversation, direction="note")
    assert notes.count() == 2


def test_status_change_triggers_rules_with_the_new_status(inbox, agent, make_rule, committed):
    make_rule(
        trigger="status_changed",
        conditions={"all": [{"field": "status", "op": "is", "value": "solved"}]},
        actions=[{"type": "add_tags", "params": {"tags": ["done"]}}],
    )
    conversation = conversation_for(inbox)
    with committed():
        conversation_set_status(conversation=conversation, status="pending", actor=agent)
    assert not conversation.tags.exists()
    with committed():
        conversation_set_status(conversation=conversation, status="solved", actor=agent)
    assert list(conversation.tags.values_list("name", flat=True)) == ["done"]


def test_inactive_rules_do_not_run(inbox, make_rule, committed):
    make_rule(actions=[{"type": "add_tags", "params": {"tags": ["x"]}}], is_active=False)
    with committed():
        conversation = conversation_for(inbox)
    assert not conversation.tags.exists()
    assert not RuleRun.objects.exists()


def test_without_rules_a_message_costs_no_extra_query(inbox, committed, django_assert_num_queries):
    conversation_for(inbox)  # warm caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as base, committed():
        conversation_for(inbox)
    assert not any("automation_rule" in q["sql"] for q in base.captured_queries[1:])


def test_by_default_only_near_misses_leave_a_trace(inbox, make_rule, committed):
    far = make_rule(
        conditions={
            "all": [
                {"field": "subject", "op": "contains", "value": "invoice"},
                {"field": "status", "op": "is", "value": "open"},
            ]
        },
        actions=[{"type": "add_tags", "params": {"tags": ["x"]}}],
    )
    near = make_rule(
        conditions={
            "all": [
                {"field": "status", "op": "is", "value": "open"},
                {"field": "subject", "op": "contains", "value": "invoice"},
            ]
        },
        actions=[{"type": "add_tags", "params": {"tags": ["x"]}}],
    )
    with committed():
        conversation_for(inbox, subject="Hello")
    assert not RuleRun.objects.filter(rule=far).exists()
    run = RuleRun.objects.get(rule=near)
    assert run.outcome == RuleRun.Outcome.NOT_MATCHED
    assert [r["result"] for r in run.reasons] == [True, False]
