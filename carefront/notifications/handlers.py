"""Subscribers to other apps' events. SLA escalation: a target at risk or breached, whose
policy asks for it (`notify`), tells the conversation's assignee and its team's leads.

Registered inside the SLA engine's transaction (`in_transaction`): the notifications commit with
the target's "fired" mark, so no crash between the two loses them or makes them twice. Each
handler writes in a savepoint of its own.

Follow-up promises (issue 9) are not on main yet. When they land, their events hook in here the
same way: FollowUpDue -> kind `follow_up_due`, recipient the promise's owner, dedupe key
`follow-up:<id>:due`; FollowUpBroken -> `follow_up_broken`, the owner and the team's leads
(`notifications_create_for_escalation`), `follow-up:<id>:broken`; `note=` the promise's note.
"""

from django.db import transaction

from carefront.core.events import subscribe
from carefront.sla import events as sla_events

from .models import NotificationKind
from .services import notifications_create_for_escalation


def on_sla_target_at_risk(event: sla_events.SlaTargetAtRisk) -> None:
    if not event.notify:
        return
    with transaction.atomic():
        notifications_create_for_escalation(
            conversation_id=event.conversation_id,
            kind=NotificationKind.SLA_AT_RISK,
            dedupe_key=f"sla-target:{event.target_id}:at_risk",
            target=event.kind,
            due_at=event.due_at,
            target_id=event.target_id,
        )


def on_sla_target_breached(event: sla_events.SlaTargetBreached) -> None:
    if not event.notify:
        return
    with transaction.atomic():
        notifications_create_for_escalation(
            conversation_id=event.conversation_id,
            kind=NotificationKind.SLA_BREACHED,
            dedupe_key=f"sla-target:{event.target_id}:breached",
            target=event.kind,
            due_at=event.due_at,
            target_id=event.target_id,
        )


def connect() -> None:
    subscribe(sla_events.SlaTargetAtRisk, on_sla_target_at_risk, in_transaction=True)
    subscribe(sla_events.SlaTargetBreached, on_sla_target_breached, in_transaction=True)
