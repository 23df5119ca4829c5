"""The SLA summary fields on a conversation, written on behalf of the `sla` app."""

import datetime as dt
from collections.abc import Iterable

from carefront.core.db import bulk_update_rows

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


def conversations_set_sla_due(
    *, rows: Iterable[tuple[int, dt.datetime | None, dt.datetime | None]]
) -> None:
    """`conversation_set_sla_due` for many conversations at once: (id, due_at, at_risk_at) rows,
    written with one prepared UPDATE (the SLA app's bulk recomputations)."""
    bulk_update_rows(
        [Conversation(pk=pk, sla_due_at=due, sla_at_risk_at=risk) for pk, due, risk in rows],
        ["sla_due_at", "sla_at_risk_at"],
    )
