from .calendars import (
    ClosureInput,
    business_calendar_create,
    business_calendar_delete,
    business_calendar_update,
    parse_closures,
    parse_weekly_hours,
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
    "parse_closures",
    "parse_weekly_hours",
    "policy_rules",
    "sla_policy_match",
]
