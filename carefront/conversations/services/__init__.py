"""Writes on conversations. Import services from here."""

from .actions import (
    BulkResult,
    ConversationChanged,
    conversation_add_note,
    conversation_assign,
    conversation_check_unchanged,
    conversation_reply,
    conversation_send_automatic,
    conversation_set_priority,
    conversation_set_status,
    conversation_set_tags,
    conversation_start_automatic,
    conversation_timeline_add,
    conversations_bulk_update,
    conversations_release_from_agent,
)
from .attachments import NewAttachment
from .customer import conversation_change_customer
from .merge import conversation_merge
from .receive import (
    Outcome,
    ReceiveItem,
    ReceiveReads,
    ReceiveResult,
    message_receive,
    message_stored,
    messages_receive,
    messages_receive_reads,
)
from .sla import conversation_set_sla_due, conversations_set_sla_due
from .snooze import conversation_snooze, conversation_wake

__all__ = [
    "BulkResult",
    "ConversationChanged",
    "NewAttachment",
    "Outcome",
    "ReceiveItem",
    "ReceiveReads",
    "ReceiveResult",
    "conversation_add_note",
    "conversation_assign",
    "conversation_change_customer",
    "conversation_check_unchanged",
    "conversation_merge",
    "conversation_reply",
    "conversation_send_automatic",
    "conversation_set_priority",
    "conversation_set_sla_due",
    "conversation_set_status",
    "conversation_set_tags",
    "conversation_snooze",
    "conversation_start_automatic",
    "conversation_timeline_add",
    "conversation_wake",
    "conversations_bulk_update",
    "conversations_release_from_agent",
    "conversations_set_sla_due",
    "message_receive",
    "message_stored",
    "messages_receive",
    "messages_receive_reads",
]
