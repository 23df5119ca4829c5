"""Subscribers to the conversations' events: a new conversation is acknowledged; an agent's
first reply is measured and judges the promise. Registered in `SlaConfig.ready()`."""

import logging

from django.utils import timezone

from carefront.conversations import events as conversation_events
from carefront.core.events import subscribe

from .services.acknowledgements import first_reply_record

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
    it (in a savepoint of their own). A later reply costs one query."""
    # The reply was written a moment ago in this same transaction: now is its time.
    first_reply_record(
        conversation_id=event.conversation_id,
        message_id=event.message_id,
        replied_at=timezone.now(),
    )


def connect() -> None:
    subscribe(conversation_events.ConversationCreated, on_conversation_created)
    subscribe(conversation_events.MessageSent, on_message_sent, in_transaction=True)
