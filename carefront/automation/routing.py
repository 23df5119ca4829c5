"""Who answers a new chat (issue 13) and who gets a new conversation (issue 14 auto-assignment).

The chat adapter (carefront/inboxes/chat/) calls `chat_route` when a visitor starts a chat and
`chat_queue_position` to show the visitor their place; `agents_available` decides whether the
widget offers the chat or "leave us your email". These first versions only queue; agent
availability (online / away / offline, capacity) and round-robin / least-loaded assignment
replace them (docs/routing.md).
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChatOffer:
    # The agent the chat went to, or None: it waits in the queue at `queue_position` (1 = next).
    agent_id: int | None
    queue_position: int | None


def _waiting_chats(inbox_id: int):
    from carefront.conversations.models import Conversation, Status

    return Conversation.objects.filter(
        inbox_id=inbox_id, inbox__channel="chat", status=Status.OPEN, assignee__isnull=True
    )


def chat_queue_position(*, conversation_id: int) -> int | None:
    from carefront.conversations.models import Conversation

    conversation = Conversation.objects.only("inbox_id", "assignee_id").get(pk=conversation_id)
    if conversation.assignee_id is not None:
        return None
    return _waiting_chats(conversation.inbox_id).filter(pk__lte=conversation_id).count()


def chat_route(*, conversation_id: int) -> ChatOffer:
    """Offer a new chat to an available agent within capacity, else queue it."""
    position = chat_queue_position(conversation_id=conversation_id)
    return ChatOffer(agent_id=None, queue_position=position)


def agents_available(*, inbox_id: int) -> bool:
    """Is anyone of the inbox's teams online with room for a chat?"""
    from carefront.accounts.models import Agent

    return Agent.objects.filter(is_active=True, teams__inboxes=inbox_id).exists()
