"""Subscribers to the conversations' events that drive the SLA clocks. Registered in
`SlaConfig.ready()` inside the publishing transaction (`in_transaction`): a target commits (or
rolls back) with the conversation change that moved it. Each service writes in a savepoint of
its own, so an SLA failure never undoes the conversation change."""

from carefront.conversations import events as conversation_events
from carefront.core.events import subscribe

from .services import targets


def on_message_received(event: conversation_events.MessageReceived) -> None:
    targets.sla_customer_wrote(conversation_id=event.conversation_id, message_id=event.message_id)


def on_message_sent(event: conversation_events.MessageSent) -> None:
    # Only agents' replies publish MessageSent: notes publish NoteAdded, and the automatic
    # acknowledgement its own event, so neither meets a reply target.
    targets.sla_agent_replied(conversation_id=event.conversation_id)


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
