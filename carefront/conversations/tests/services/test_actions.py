import pytest
from django.core import mail

from carefront.conversations.models import (
    ConversationEvent,
    DeliveryStatus,
    Direction,
    EventKind,
    OutboxEntry,
    OutboxStatus,
    Status,
)
from carefront.conversations.services import (
    conversation_add_note,
    conversation_assign,
    conversation_reply,
    conversation_set_status,
    conversation_set_tags,
)
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db


def test_reply_threads_onto_the_last_customer_message(inbox, agent):
    conversation = conversation_for(
        inbox, message_id="c1@example.com", references=["c0@example.com"], subject="Lost parcel"
    )
    reply = conversation_reply(conversation=conversation, author=agent, body="We are on it.")
    assert reply.direction == Direction.OUTGOING
    assert reply.in_reply_to == "c1@example.com"
    assert reply.references.split() == ["c0@example.com", "c1@example.com"]
    assert reply.subject == "Re: Lost parcel"
    assert reply.to == [conversation.customer.email]


def test_reply_is_queued_in_the_outbox_and_delivered(
    inbox, agent, django_capture_on_commit_callbacks
):
    conversation = conversation_for(inbox)
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_reply(conversation=conversation, author=agent, body="Done.")
    entry = OutboxEntry.objects.get(message=reply)
    assert entry.status == OutboxStatus.SENT
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{reply.message_id}>"


def test_reply_stops_the_waiting_clock(inbox, agent):
    conversation = conversation_for(inbox)
    assert conversation.waiting_since is not None
    conversation_reply(conversation=conversation, author=agent, body="Hello")
    conversation.refresh_from_db()
    assert conversation.waiting_since is None
    assert conversation.message_count == 2


def test_reply_and_solve_sets_the_status(inbox, agent):
    conversation = conversation_for(inbox)
    conversation_reply(conversation=conversation, author=agent, body="Fixed", status=Status.SOLVED)
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED


def test_empty_reply_is_refused(inbox, agent):
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput):
        conversation_reply(conversation=conversation, author=agent, body="   ")


def test_note_is_private_and_not_sent(inbox, agent):
    conversation = conversation_for(inbox)
    note = conversation_add_note(conversation=conversation, author=agent, body="Call them")
    assert note.direction == Direction.NOTE
    assert not OutboxEntry.objects.filter(message=note).exists()
    assert mail.outbox == []


def test_assign_records_an_event(inbox, agent):
    conversation = conversation_for(inbox)
    conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    conversation.refresh_from_db()
    assert conversation.assignee == agent
    assert ConversationEvent.objects.filter(
        conversation=conversation, kind=EventKind.ASSIGNED
    ).exists()


def test_assign_to_an_agent_who_cannot_see_the_inbox_is_refused(inbox, agent, outsider):
    conversation = conversation_for(inbox)
    with pytest.raises(PermissionDenied):
        conversation_assign(conversation=conversation, assignee=outsider, actor=agent)


def test_status_change_records_old_and_new(inbox, agent):
    conversation = conversation_for(inbox)
    conversation_set_status(conversation=conversation, status=Status.PENDING, actor=agent)
    event = ConversationEvent.objects.get(conversation=conversation, kind=EventKind.STATUS_CHANGED)
    assert event.data == {"old": "open", "new": "pending"}


def test_unknown_status_is_refused(inbox, agent):
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput):
        conversation_set_status(conversation=conversation, status="archived", actor=agent)


def test_tags_are_normalised_and_replaced(inbox, agent):
    conversation = conversation_for(inbox)
    conversation_set_tags(
        conversation=conversation, names=["Refund", " VIP  customer "], actor=agent
    )
    conversation_set_tags(conversation=conversation, names=["refund", "shipping"], actor=agent)
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["refund", "shipping"]
    event = ConversationEvent.objects.filter(kind=EventKind.TAGGED).latest("id")
    assert event.data == {"added": ["shipping"], "removed": ["vip customer"]}


def test_deactivating_an_agent_releases_their_open_and_pending_conversations(
    inbox, agent, admin, django_capture_on_commit_callbacks
):
    from carefront.accounts.services.agents import agent_deactivate

    held = [conversation_for(inbox, subject=f"Held {i}") for i in range(3)]
    for conversation in held:
        conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    conversation_set_status(conversation=held[1], status=Status.PENDING, actor=agent)
    conversation_set_status(conversation=held[2], status=Status.SOLVED, actor=agent)

    with django_capture_on_commit_callbacks(execute=True):
        agent_deactivate(actor=admin, agent=agent)

    for conversation in held:
        conversation.refresh_from_db()
    assert [c.assignee_id for c in held] == [None, None, agent.pk]
    released = ConversationEvent.objects.filter(
        conversation=held[0], kind=EventKind.ASSIGNED, actor=admin
    ).get()
    assert released.data["assignee"] is None
