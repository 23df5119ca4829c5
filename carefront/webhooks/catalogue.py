"""The events a webhook subscription may choose from, with a label for the UI and the docs."""

from django.utils.translation import gettext_lazy as _

CONVERSATION_CREATED = "conversation.created"
CONVERSATION_ASSIGNED = "conversation.assigned"
CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
CONVERSATION_PRIORITY_CHANGED = "conversation.priority_changed"
MESSAGE_CREATED = "message.created"
CUSTOMER_CREATED = "customer.created"
CUSTOMER_UPDATED = "customer.updated"
RATING_RECEIVED = "rating.received"
NPS_ANSWERED = "nps.answered"
SLA_AT_RISK = "sla.at_risk"
SLA_BREACHED = "sla.breached"
SLA_MET = "sla.met"
RECOVERY_OPENED = "recovery.opened"
RECOVERY_CLOSED = "recovery.closed"
QA_REPLY_CHECKED = "qa.reply_checked"
REVIEW_CREATED = "review.created"
REVIEW_DISPUTED = "review.disputed"
ARTICLE_PUBLISHED = "article.published"
IMPROVEMENT_SHIPPED = "improvement.shipped"
RULE_CHANGED = "rule.changed"
# Sent only by "Send test event", to the one subscription tested; nobody subscribes to it.
PING = "ping"

EVENT_TYPES: dict[str, str] = {
    CONVERSATION_CREATED: _("A conversation was created"),
    CONVERSATION_ASSIGNED: _("A conversation was assigned (agent or team)"),
    CONVERSATION_STATUS_CHANGED: _("A conversation's status changed"),
    CONVERSATION_PRIORITY_CHANGED: _("A conversation's priority was raised or lowered"),
    MESSAGE_CREATED: _("A message was received, a reply written, or a private note added"),
    CUSTOMER_CREATED: _("A customer was created"),
    CUSTOMER_UPDATED: _("A customer was updated"),
    RATING_RECEIVED: _("A customer rated a conversation, or changed their rating"),
    NPS_ANSWERED: _("A customer answered an NPS survey, or changed their answer"),
    SLA_AT_RISK: _("An SLA target of a conversation is at risk (its due time is near)"),
    SLA_BREACHED: _("An SLA target of a conversation passed its due time"),
    SLA_MET: _("An SLA target was met (a reply, a resolution), on time or late"),
    RECOVERY_OPENED: _("A recovery task was opened for a bad rating or a negative comment"),
    RECOVERY_CLOSED: _("A recovery task was closed with its outcome"),
    QA_REPLY_CHECKED: _("An agent's reply was checked by auto-QA: its marks per behaviour"),
    REVIEW_CREATED: _("A lead reviewed an agent's conversation with a scorecard"),
    REVIEW_DISPUTED: _("An agent disputed a review of their conversation"),
    ARTICLE_PUBLISHED: _("A knowledge-base article was published"),
    IMPROVEMENT_SHIPPED: _("An improvement was marked shipped (its customers are being told)"),
    RULE_CHANGED: _("A rule was created, edited, enabled, disabled, moved or deleted"),
}


def event_type_choices() -> list[tuple[str, str]]:
    return [(name, f"{name} — {label}") for name, label in EVENT_TYPES.items()]
