"""Each action, done through the services agents use (timeline and events included)."""

import json

import pytest
from django.core import mail

from carefront.accounts.tests.factories import TeamFactory
from carefront.automation.models import RuleRun
from carefront.automation.rules.outbound import rule_webhook_secret
from carefront.automation.services import saved_reply_create
from carefront.conversations.models import ConversationEvent, Message
from carefront.conversations.tests.factories import conversation_for
from carefront.notifications.models import Notification
from carefront.webhooks.signing import SIGNATURE_HEADER, verify_signature

pytestmark = pytest.mark.django_db


def run(inbox, committed, **message):
    with committed():
        conversation = conversation_for(inbox, **message)
    conversation.refresh_from_db()
    return conversation


def test_assign_to_an_agent_and_a_team(inbox, agent, make_rule, committed):
    other_team = TeamFactory()
    make_rule(
        actions=[
            {"type": "assign_agent", "params": {"agent_id": agent.pk}},
            {"type": "assign_team", "params": {"team_id": other_team.pk}},
        ]
    )
    conversation = run(inbox, committed)
    assert conversation.assignee == agent
    assert conversation.team == other_team
    rows = ConversationEvent.objects.filter(conversation=conversation, kind="assigned")
    assert rows.count() == 2
    assert all(row.actor_id is None for row in rows)  # Carefront did it


def test_assigning_someone_who_cannot_see_the_inbox_is_reported_not_done(
    inbox, outsider, make_rule, committed
):
    rule = make_rule(actions=[{"type": "assign_agent", "params": {"agent_id": outsider.pk}}])
    conversation = run(inbox, committed)
    assert conversation.assignee is None
    done = RuleRun.objects.get(rule=rule).done[0]
    assert done["done"] is False
    assert "cannot see" in done["detail"]


def test_add_and_remove_tags(inbox, make_rule, committed):
    make_rule(actions=[{"type": "add_tags", "params": {"tags": ["a", "b", "c"]}}])
    make_rule(actions=[{"type": "remove_tags", "params": {"tags": ["b"]}}])
    conversation = run(inbox, committed)
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["a", "c"]


def test_set_priority_and_status(inbox, make_rule, committed):
    make_rule(
        actions=[
            {"type": "set_priority", "params": {"priority": "low"}},
            {"type": "set_status", "params": {"status": "pending"}},
        ]
    )
    conversation = run(inbox, committed)
    assert (conversation.priority, conversation.status) == (10, "pending")


def test_add_a_note(inbox, make_rule, committed):
    make_rule(name="Noter", actions=[{"type": "add_note", "params": {"body": "Check the order"}}])
    conversation = run(inbox, committed)
    note = Message.objects.get(conversation=conversation, direction="note")
    assert note.author is None
    assert note.from_name == "Automation"
    assert note.body_text.startswith("Check the order")
    assert "Noter" in note.body_text


def test_send_a_saved_reply_to_the_customer(inbox, admin, make_rule, committed):
    saved = saved_reply_create(
        actor=admin, title="Thanks", body="Hi {{ customer.first_name }}, we are on it."
    )
    make_rule(actions=[{"type": "send_saved_reply", "params": {"saved_reply_id": saved.pk}}])
    conversation = run(inbox, committed, from_name="Ada Lovelace", from_address="ada@example.com")
    sent = Message.objects.get(conversation=conversation, direction="outgoing")
    assert sent.body_text == "Hi Ada, we are on it."
    assert sent.is_auto_submitted
    assert sent.to == ["ada@example.com"]
    # An automatic message, not an agent's reply: the customer is still waiting.
    assert conversation.waiting_since is not None


def test_email_someone_goes_through_a_task(inbox, make_rule, committed):
    make_rule(
        name="Tell billing",
        actions=[
            {
                "type": "email",
                "params": {"to": "billing@example.com", "subject": "Refund asked", "body": "See"},
            }
        ],
    )
    conversation = run(inbox, committed)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["billing@example.com"]
    assert email.subject == "Refund asked"
    assert f"#{conversation.pk}" in email.body
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"


def test_notify_the_assignee_or_a_named_agent(inbox, agent, make_rule, committed):
    make_rule(
        name="Heads up",
        actions=[
            {"type": "assign_agent", "params": {"agent_id": agent.pk}},
            {"type": "notify_agent", "params": {"agent_id": None, "text": "VIP writing"}},
        ],
    )
    conversation = run(inbox, committed)
    notification = Notification.objects.get(recipient=agent)
    assert notification.kind == "rule"
    assert notification.conversation_id == conversation.pk
    assert notification.params == {"rule_name": "Heads up", "note": "VIP writing"}


def test_notify_without_an_assignee_is_reported(inbox, make_rule, committed):
    rule = make_rule(actions=[{"type": "notify_agent", "params": {"agent_id": None, "text": ""}}])
    run(inbox, committed)
    done = RuleRun.objects.get(rule=rule).done[0]
    assert done["done"] is False
    assert "no assignee" in done["detail"]
    assert not Notification.objects.exists()


def test_webhook_call_is_signed_and_sent_by_a_task(inbox, make_rule, committed, receiver):
    rule = make_rule(name="Hook", actions=[{"type": "webhook", "params": {"url": receiver.url}}])
    conversation = run(inbox, committed)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    payload = json.loads(request.body)
    assert payload["type"] == "rule.matched"
    assert payload["rule"] == {"id": rule.pk, "name": "Hook", "trigger": "customer_message"}
    assert payload["data"]["conversation"]["id"] == conversation.pk
    assert verify_signature(
        secret=rule_webhook_secret(rule.pk),
        header=request.headers[SIGNATURE_HEADER],
        body=request.body,
    )
