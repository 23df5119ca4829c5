"""Safety: automatic mail never gets customer-facing actions (the trace says why), sends are
rate-limited per customer, and chains of rules are capped at run time."""

import pytest

from carefront.automation.models import Rule, RuleRun
from carefront.automation.services import saved_reply_create
from carefront.conversations.models import Message
from carefront.conversations.services import conversation_set_status, conversation_set_tags
from carefront.conversations.tests.factories import conversation_for, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def auto_reply_rule(admin, make_rule):
    saved = saved_reply_create(actor=admin, title="Got it", body="We got your message.")
    return make_rule(
        name="Answer",
        actions=[
            {"type": "send_saved_reply", "params": {"saved_reply_id": saved.pk}},
            {"type": "add_tags", "params": {"tags": ["answered"]}},
        ],
    )


def sent(conversation) -> int:
    return Message.objects.filter(conversation=conversation, direction="outgoing").count()


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ({"is_bulk": True}, "bulk"),
        ({"from_address": "no-reply@shop.example"}, "no-reply"),
        ({"from_address": "MAILER-DAEMON@mx.example"}, "no-reply"),
    ],
)
def test_automatic_mail_gets_no_customer_facing_action(
    inbox, auto_reply_rule, committed, message, why
):
    with committed():
        conversation = conversation_for(inbox, **message)
    assert sent(conversation) == 0
    run = RuleRun.objects.get(rule=auto_reply_rule, conversation=conversation)
    assert run.outcome == RuleRun.Outcome.MATCHED
    reply, tag = run.done
    assert reply["done"] is False
    assert why in reply["detail"]
    # Actions that do not write to the customer still run.
    assert tag["done"] is True


def test_an_auto_reply_in_a_thread_gets_no_answer(inbox, auto_reply_rule, committed):
    with committed():
        first = receive(inbox, from_address="ooo@example.com")
        auto = receive(
            inbox,
            from_address="ooo@example.com",
            in_reply_to=[first.message.message_id],
            subject="Out of office",
            is_auto_submitted=True,
        )
    assert auto.conversation == first.conversation
    assert sent(first.conversation) == 1  # the answer to the first message only
    run = RuleRun.objects.get(rule=auto_reply_rule, change_key=f"message:{auto.message.pk}")
    assert run.done[0]["done"] is False
    assert "automatic" in run.done[0]["detail"]


def test_the_teams_own_address_gets_no_automatic_answer(inbox, agent, auto_reply_rule, committed):
    with committed():
        conversation = conversation_for(inbox, from_address=agent.email.upper())
    assert sent(conversation) == 0
    run = RuleRun.objects.get(rule=auto_reply_rule, conversation=conversation)
    assert "team's own" in run.done[0]["detail"]


def test_a_customer_gets_at_most_three_automatic_messages_an_hour(
    inbox, auto_reply_rule, committed
):
    with committed():
        for _ in range(5):
            receive(inbox, from_address="busy@example.com")
    total = Message.objects.filter(
        conversation__customer__email="busy@example.com", direction="outgoing"
    ).count()
    assert total == 3
    refused = [
        run.done[0]["detail"]
        for run in RuleRun.objects.filter(rule=auto_reply_rule).order_by("id")
        if not run.done[0]["done"]
    ]
    assert len(refused) == 2
    assert all("3 automatic messages this hour" in d for d in refused)


def test_rules_that_trigger_each_other_are_capped_at_run_time(
    inbox, agent, admin, committed, settings
):
    settings.CAREFRONT = {**settings.CAREFRONT, "RULES_TRACE": "all"}
    # Made directly (the services would refuse the pair): rules edited before loop detection,
    # or a loop the graph cannot see.
    ping = Rule.objects.create(
        name="Ping",
        trigger="status_changed",
        conditions={"all": [{"field": "status", "op": "is", "value": "pending"}], "any": []},
        actions=[{"type": "set_status", "params": {"status": "open"}}],
        is_active=True,
        position=1,
    )
    pong = Rule.objects.create(
        name="Pong",
        trigger="status_changed",
        conditions={"all": [{"field": "status", "op": "is", "value": "open"}], "any": []},
        actions=[{"type": "set_status", "params": {"status": "pending"}}],
        is_active=True,
        position=2,
    )
    conversation = conversation_for(inbox)
    with committed():
        conversation_set_status(conversation=conversation, status="pending", actor=agent)
    runs = [
        (r.rule_name, r.outcome, r.depth)
        for r in RuleRun.objects.filter(conversation=conversation).order_by("id")
    ]
    # The agent's change: Ping opens, then Pong (later in the order, seeing "open") sets
    # pending. Ping's change: Ping may not run again in its own chain, Pong no longer matches.
    # Pong's change: Ping opens once more, Pong is in that chain. Ping's second change: both
    # have run in the chain. Nothing more: the chain ended without anyone stopping it.
    assert runs == [
        ("Ping", "matched", 0),
        ("Pong", "matched", 0),
        ("Ping", "skipped", 1),
        ("Pong", "not_matched", 1),
        ("Ping", "matched", 1),
        ("Pong", "skipped", 1),
        ("Ping", "skipped", 2),
        ("Pong", "skipped", 2),
    ]
    reasons = RuleRun.objects.filter(outcome="skipped").values_list("skip_reason", flat=True)
    assert all(reason.startswith("loop cap") for reason in reasons)
    assert {ping.pk, pong.pk} == set(RuleRun.objects.values_list("rule_id", flat=True))


def test_a_chain_is_capped_at_five_rules_deep(inbox, agent, committed):
    # Six rules, each on a tag change adding the next tag, ordered last step first so each
    # acts only on the change the one before it made: a chain deeper than five.
    for n in range(1, 7):
        Rule.objects.create(
            name=f"Step {n}",
            trigger="tags_changed",
            conditions={
                "all": [{"field": "tags", "op": "includes", "value": [f"t{n}"]}],
                "any": [],
            },
            actions=[{"type": "add_tags", "params": {"tags": [f"t{n + 1}"]}}],
            is_active=True,
            position=10 - n,
        )
    conversation = conversation_for(inbox)
    with committed():
        conversation_set_tags(conversation=conversation, names=["t1"], actor=agent)
    tags = set(conversation.tags.values_list("name", flat=True))
    assert tags == {"t1", "t2", "t3", "t4", "t5", "t6"}
    capped = RuleRun.objects.filter(outcome="skipped", depth=5)
    assert capped.exists()
    assert "in a row" in capped.first().skip_reason
