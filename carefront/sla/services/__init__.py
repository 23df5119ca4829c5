from .calendars import (
    ClosureInput,
    business_calendar_create,
    business_calendar_delete,
    business_calendar_update,
    parse_closures,
    parse_weekly_hours,
)
from .followups import (
    followup_cancel,
    followup_complete,
    followup_create,
    followup_due,
    followups_keep_by_reply,
)
from .policies import (
    ConversationFacts,
    PolicyRule,
    conversation_facts,
    first_matching,
    policy_rules,
    sla_policy_match,
)

__all__ = [
    "ClosureInput",
    "ConversationFacts",
    "PolicyRule",
    "business_calendar_create",
    "business_calendar_delete",
    "business_calendar_update",
    "conversation_facts",
    "first_matching",
    "followup_cancel",
    "followup_complete",
    "followup_create",
    "followup_due",
    "followups_keep_by_reply",
    "parse_closures",
    "parse_weekly_hours",
    "policy_rules",
    "sla_policy_match",
]
