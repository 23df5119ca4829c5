"""The vocabulary of rules: which conditions and actions exist, their operators and parameters.

The rule builder (web), the API's validation and the engine (rules/engine.py, rules/actions.py)
all read this one table; a condition or action is added here first. Values are plain JSON:
`value_kind` says what the builder offers and what validation accepts.

value kinds: "text", "number", "bool", "choice" (`choices` below or from a source), "agent",
"team", "inbox", "tags" (a list of tag names), "attribute" ({"key": str, "value": str}),
"saved_reply", "email", "url".
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from carefront.automation.models import Trigger

OPERATOR_LABELS = {
    "is": _("is"),
    "is_not": _("is not"),
    "contains": _("contains"),
    "not_contains": _("does not contain"),
    "starts_with": _("starts with"),
    "ends_with": _("ends with"),
    "includes": _("includes"),
    "excludes": _("does not include"),
    "gte": _("is at least"),
    "lte": _("is at most"),
    "is_set": _("is set"),
    "is_not_set": _("is not set"),
}


@dataclass(frozen=True)
class ConditionSpec:
    label: object
    value_kind: str
    operators: tuple[str, ...]
    # For "choice": a static list of (value, label); or a name the builder resolves
    # ("statuses", "priorities", "channels", "languages", "sentiments", "urgencies", "intents",
    # "ratings").
    choices: str = ""
    # Triggers this condition makes sense for; empty: all.
    triggers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionSpec:
    label: object
    # Parameter name -> value kind.
    params: dict[str, str] = field(default_factory=dict)
    # Writes to the customer: never run for automatic mail, rate-limited per recipient.
    customer_facing: bool = False
    # The changes this action makes, as triggers (for loop detection at save time).
    causes: tuple[str, ...] = ()


_EQ = ("is", "is_not")
_TEXT = ("contains", "not_contains", "starts_with", "ends_with", "is", "is_not")
_NUM = ("gte", "lte")

CONDITIONS: dict[str, ConditionSpec] = {
    "status": ConditionSpec(_("Status"), "choice", _EQ, choices="statuses"),
    "priority": ConditionSpec(_("Priority"), "choice", _EQ, choices="priorities"),
    "assignee": ConditionSpec(_("Assignee"), "agent", (*_EQ, "is_set", "is_not_set")),
    "team": ConditionSpec(_("Team"), "team", (*_EQ, "is_set", "is_not_set")),
    "inbox": ConditionSpec(_("Inbox"), "inbox", _EQ),
    "channel": ConditionSpec(_("Channel"), "choice", _EQ, choices="channels"),
    "tags": ConditionSpec(_("Tags"), "tags", ("includes", "excludes")),
    "subject": ConditionSpec(_("Subject"), "text", _TEXT),
    # The message that caused the change (or the latest customer message).
    "message_text": ConditionSpec(_("Message text"), "text", ("contains", "not_contains")),
    "sender_email": ConditionSpec(_("Sender's address"), "text", _TEXT),
    "customer_attribute": ConditionSpec(
        _("Customer attribute"), "attribute", (*_EQ, "contains", "is_set", "is_not_set")
    ),
    "language": ConditionSpec(_("Language"), "choice", _EQ, choices="languages"),
    "sentiment": ConditionSpec(_("Sentiment"), "choice", _EQ, choices="sentiments"),
    "urgency": ConditionSpec(_("Urgency"), "choice", _EQ, choices="urgencies"),
    "intent": ConditionSpec(_("Intent"), "choice", _EQ, choices="intents"),
    "intent_confidence": ConditionSpec(_("Intent confidence (0 to 1)"), "number", _NUM),
    "in_business_hours": ConditionSpec(_("Within business hours"), "bool", ("is",)),
    "message_count": ConditionSpec(_("Number of messages"), "number", _NUM),
    "hours_since_created": ConditionSpec(_("Hours since created"), "number", _NUM),
    "hours_since_customer_message": ConditionSpec(
        _("Hours since the customer's last message"), "number", _NUM
    ),
    "hours_since_agent_reply": ConditionSpec(_("Hours since the last agent reply"), "number", _NUM),
    "rating": ConditionSpec(
        _("Rating"), "choice", _EQ, choices="ratings", triggers=(Trigger.RATING_RECEIVED,)
    ),
}

ACTIONS: dict[str, ActionSpec] = {
    "assign_agent": ActionSpec(
        _("Assign to agent"), {"agent_id": "agent"}, causes=(Trigger.ASSIGNEE_CHANGED,)
    ),
    "assign_team": ActionSpec(
        _("Assign to team"), {"team_id": "team"}, causes=(Trigger.ASSIGNEE_CHANGED,)
    ),
    "add_tags": ActionSpec(_("Add tags"), {"tags": "tags"}, causes=(Trigger.TAGS_CHANGED,)),
    "remove_tags": ActionSpec(_("Remove tags"), {"tags": "tags"}, causes=(Trigger.TAGS_CHANGED,)),
    "set_priority": ActionSpec(
        _("Set priority"), {"priority": "choice:priorities"}, causes=(Trigger.PRIORITY_CHANGED,)
    ),
    "set_status": ActionSpec(
        _("Set status"), {"status": "choice:statuses"}, causes=(Trigger.STATUS_CHANGED,)
    ),
    "add_note": ActionSpec(_("Add an internal note"), {"body": "text"}),
    "send_saved_reply": ActionSpec(
        _("Send a saved reply to the customer"),
        {"saved_reply_id": "saved_reply"},
        customer_facing=True,
        causes=(Trigger.AGENT_REPLY,),
    ),
    "email": ActionSpec(
        _("Email someone (not the customer)"), {"to": "email", "subject": "text", "body": "text"}
    ),
    "notify_agent": ActionSpec(
        _("Notify an agent (empty: the assignee)"), {"agent_id": "agent", "text": "text"}
    ),
    "webhook": ActionSpec(_("Call a webhook (signed POST)"), {"url": "url"}),
}
