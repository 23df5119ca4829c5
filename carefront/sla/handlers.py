"""Subscribers to the conversations' events. Registered in `SlaConfig.ready()`.

- The SLA clocks run inside the publishing transaction (`in_transaction`): a target commits (or
  rolls back) with the conversation change that moved it. Each service writes in a savepoint of
  its own, so an SLA failure never undoes the conversation change.
- A new conversation is acknowledged (after commit, by a task); an agent's first reply is
  measured and judges the acknowledgement's promise (in the reply's transaction).
"""

import logging

from django.utils import timezone

from carefront.conversations import events as conversation_events
from carefront.core.events import subscribe

from .services import targets
from .services.acknowledgements import first_reply_record
from .services.followups import followups_keep_by_reply

logger = logging.getLogger(__name__)


def on_conversation_created(event: conversation_events.ConversationCreated) -> None:
    """After commit: the acknowledgement is written and sent by a task, so that receiving mail
    never waits for it."""
    from .tasks import acknowledgement_send_task

    try:
        acknowledgement_send_task.enqueue(event.conversation_id)
    except Exception:
        logger.exception("Could not enqueue the acknowledgement of %s", event.conversation_id)


def on_message_received(event: conversation_events.MessageReceived) -> None:
    targets.sla_customer_wrote(conversation_id=event.conversation_id, message_id=event.message_id)


def on_message_sent(event: conversation_events.MessageSent) -> None:
    """In the reply's transaction. Only agents' replies publish MessageSent: notes publish
    NoteAdded, and the automatic acknowledgement its own event, so neither meets a reply target
    nor counts as a first reply."""
    targets.sla_agent_replied(conversation_id=event.conversation_id)
    # It keeps the conversation's open promises; one made after the reply in the same request
    # ("reply and promise") is not kept by it.
    followups_keep_by_reply(conversation_id=event.conversation_id, message_id=event.message_id)
    # The reply was written a moment ago in this same transaction: now is its time.
    first_reply_record(
        conversation_id=event.conversation_id,
        message_id=event.message_id,
        replied_at=timezone.now(),
    )


def on_status_changed(event: conversation_events.ConversationStatusChanged) -> None:
    targets.sla_status_changed(
        conversation_id=event.conversation_id,
        old_status=event.old_status,
        new_status=event.new_status,
    )


def on_policy_facts_changed(
    event: conversation_events.ConversationPriorityChanged
    | conversation_events.ConversationTagsChanged
    | conversation_events.ConversationCustomerChanged
    | conversation_events.ConversationAssigned,
) -> None:
    targets.sla_policy_reapply(conversation_id=event.conversation_id)


def connect() -> None:
    subscribe(conversation_events.ConversationCreated, on_conversation_created)
    for event_type, handler in (
        (conversation_events.MessageReceived, on_message_received),
        (conversation_events.MessageSent, on_message_sent),
        (conversation_events.ConversationStatusChanged, on_status_changed),
        (conversation_events.ConversationPriorityChanged, on_policy_facts_changed),
        (conversation_events.ConversationTagsChanged, on_policy_facts_changed),
        (conversation_events.ConversationCustomerChanged, on_policy_facts_changed),
        # A team change can change the matching policy and the calendar.
        (conversation_events.ConversationAssigned, on_policy_facts_changed),
    ):
        subscribe(event_type, handler, in_transaction=True)
