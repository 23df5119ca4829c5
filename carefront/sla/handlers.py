"""Subscribers to the conversations' events: a new conversation is acknowledged; an agent's
first reply is measured and judges the promise. Registered in `SlaConfig.ready()`."""

import logging

from django.db import transaction

from carefront.conversations import events as conversation_events
from carefront.conversations.models import Message
from carefront.core.events import subscribe

from .services.acknowledgements import acknowledgement_reply_written, first_reply_record

logger = logging.getLogger(__name__)


def on_conversation_created(event: conversation_events.ConversationCreated) -> None:
    """After commit: the acknowledgement is written and sent by a task, so that receiving mail
    never waits for it."""
    from .tasks import acknowledgement_send_task

    try:
        acknowledgement_send_task.enqueue(event.conversation_id)
    except Exception:
        logger.exception("Could not enqueue the acknowledgement of %s", event.conversation_id)


def on_message_sent(event: conversation_events.MessageSent) -> None:
    """In the reply's transaction: its first-reply time and the promise's outcome commit with
    it. Only the first agent reply of a conversation does any work beyond one lookup."""
    with transaction.atomic():
        replied_at = (
            Message.objects.filter(pk=event.message_id).values_list("created_at", flat=True).first()
        )
        if replied_at is None:
            return
        if first_reply_record(
            conversation_id=event.conversation_id,
            message_id=event.message_id,
            replied_at=replied_at,
        ):
            acknowledgement_reply_written(
                conversation_id=event.conversation_id, replied_at=replied_at
            )


def connect() -> None:
    subscribe(conversation_events.ConversationCreated, on_conversation_created)
    subscribe(conversation_events.MessageSent, on_message_sent, in_transaction=True)
