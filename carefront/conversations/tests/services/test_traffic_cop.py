"""The traffic cop: a reply or note written against an older view of the conversation is held
when a customer message or another agent's reply or note landed meanwhile."""

import pytest

from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.models import Message, OutboxEntry
from carefront.conversations.services import (
    ConversationChanged,
    conversation_add_note,
    conversation_reply,
    conversation_send_automatic,
)
from carefront.conversations.tests.factories import conversation_for, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(inbox):
    return conversation_for(inbox, message_id="root@e", from_name="Ana")


@pytest.fixture
def seen(conversation) -> int:
    return conversation.messages.order_by("-pk").first().pk


@pytest.fixture
def colleague(team):
    other = AgentFactory(name="Ben")
    team.members.add(other)
    return other


def test_a_reply_with_nothing_new_is_sent(conversation, agent, seen):
    message = conversation_reply(
        conversation=conversation, author=agent, body="Hi", if_last_message_id=seen
    )
    assert OutboxEntry.objects.filter(message=message).exists()


def test_a_customer_message_after_the_last_seen_holds_the_reply(inbox, conversation, agent, seen):
    later = receive(inbox, message_id="later@e", in_reply_to=["root@e"], body_text="Any news?")

    with pytest.raises(ConversationChanged) as raised:
        conversation_reply(
            conversation=conversation, author=agent, body="Hi", if_last_message_id=seen
        )

    assert [m["id"] for m in raised.value.new_messages] == [later.message.pk]
    assert raised.value.new_messages[0]["direction"] == "incoming"
    assert raised.value.new_messages[0]["text"] == "Any news?"
    assert not Message.objects.filter(author=agent).exists()  # nothing written


def test_another_agents_reply_or_note_holds_both_reply_and_note(
    conversation, agent, colleague, seen
):
    note = conversation_add_note(conversation=conversation, author=colleague, body="Calling her.")

    for write in (conversation_reply, conversation_add_note):
        with pytest.raises(ConversationChanged) as raised:
            write(conversation=conversation, author=agent, body="Hi", if_last_message_id=seen)
        assert raised.value.new_messages == [
            {
                "id": note.pk,
                "direction": "note",
                "author": "Ben",
                "text": "Calling her.",
                "created_at": note.created_at.isoformat(),
            }
        ]


def test_the_writers_own_messages_and_automatic_ones_are_no_collision(conversation, agent, seen):
    conversation_add_note(conversation=conversation, author=agent, body="Mine.")
    conversation_send_automatic(conversation=conversation, body="We got your message.")

    reply = conversation_reply(
        conversation=conversation, author=agent, body="Hi", if_last_message_id=seen
    )
    assert reply.pk


def test_confirming_with_the_newer_last_message_sends(inbox, conversation, agent, seen):
    later = receive(inbox, message_id="later@e", in_reply_to=["root@e"])
    with pytest.raises(ConversationChanged):
        conversation_reply(
            conversation=conversation, author=agent, body="Hi", if_last_message_id=seen
        )

    reply = conversation_reply(
        conversation=conversation, author=agent, body="Hi", if_last_message_id=later.message.pk
    )
    assert reply.pk


def test_without_the_check_it_is_sent_as_before(inbox, conversation, agent):
    receive(inbox, message_id="later@e", in_reply_to=["root@e"])
    assert conversation_reply(conversation=conversation, author=agent, body="Hi").pk
