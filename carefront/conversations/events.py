"""Typed events published after commit, and the timeline rows that record them."""

import datetime as dt
from dataclasses import dataclass

from .models import Conversation, ConversationEvent, EventKind


@dataclass(frozen=True, slots=True)
class ConversationCreated:
    conversation_id: int
    # Set by publishers that already stored the live event (messages_receive does, in bulk).
    live_recorded: bool = False
    # Part of a batch that also published ConversationsCreated: subscribers that write a row
    # per conversation in the transaction do it once for the batch there.
    in_batch: bool = False


@dataclass(frozen=True, slots=True)
class ConversationsCreated:
    """A batch of new conversations (messages_receive), published before their
    ConversationCreated events, so that in-transaction work costs a few queries per batch."""

    conversation_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MessageReceived:
    conversation_id: int
    message_id: int
    reopened: bool
    # Set by publishers that already stored the live event (messages_receive does, in bulk).
    live_recorded: bool = False


@dataclass(frozen=True, slots=True)
class MessageSent:
    """An agent's reply was written (delivery follows through the outbox)."""

    conversation_id: int
    message_id: int
    # Set by publishers that already stored the live event (conversation_reply does).
    live_recorded: bool = False


@dataclass(frozen=True, slots=True)
class NoteAdded:
    conversation_id: int
    message_id: int
    # Set by publishers that already stored the live event (conversation_add_note does).
    live_recorded: bool = False


@dataclass(frozen=True, slots=True)
class ConversationAssigned:
    conversation_id: int
    assignee_id: int | None
    team_id: int | None


@dataclass(frozen=True, slots=True)
class ConversationStatusChanged:
    conversation_id: int
    old_status: str
    new_status: str


@dataclass(frozen=True, slots=True)
class ConversationSnoozed:
    """Set aside until `until` (also published when a snoozed conversation gets a new time).
    A first snooze also publishes ConversationStatusChanged (to "snoozed")."""

    conversation_id: int
    until: dt.datetime
    actor_id: int | None


@dataclass(frozen=True, slots=True)
class ConversationWoken:
    """A snoozed conversation is open again: its time came ("due"), or an agent woke it
    ("agent"). A customer's message wakes it too, reported as MessageReceived(reopened=True).
    Published with ConversationStatusChanged ("snoozed" -> "open")."""

    conversation_id: int
    reason: str  # "due" or "agent"


@dataclass(frozen=True, slots=True)
class ConversationPriorityChanged:
    """Priorities by name ("low", "normal", "high", "urgent"); SLA policies re-apply on it."""

    conversation_id: int
    old_priority: str
    new_priority: str


@dataclass(frozen=True, slots=True)
class ConversationTagsChanged:
    """Tag names after the change; SLA policies that match on tags re-apply on it."""

    conversation_id: int
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConversationCustomerChanged:
    """An agent linked the conversation to another customer (e.g. a "sender unknown" one)."""

    conversation_id: int
    old_customer_id: int
    new_customer_id: int


def record(
    *, conversation: Conversation, kind: EventKind, actor_id: int | None = None, **data: object
) -> ConversationEvent:
    return ConversationEvent.objects.create(
        conversation=conversation, kind=kind, actor_id=actor_id, data=data
    )
