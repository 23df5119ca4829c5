"""The SLA summary fields on a conversation, written on behalf of the `sla` app."""

import datetime as dt

from ..models import Conversation


def conversation_set_sla_due(
    *, conversation_id: int, due_at: dt.datetime | None, at_risk_at: dt.datetime | None
) -> None:
    """Store the earliest due time of the conversation's running SLA targets (None: none runs)
    and when it turns "at risk". A plain UPDATE: no timeline row and no event, and
    `updated_at` is left alone (a clock is not an edit)."""
    Conversation.objects.filter(pk=conversation_id).update(
        sla_due_at=due_at, sla_at_risk_at=at_risk_at
    )
