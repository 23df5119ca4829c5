"""Subscribers to other apps' events.

- SLA escalation: a target at risk or breached, whose policy asks for it (`notify`), tells the
  conversation's assignee and its team's leads.
- A follow-up promise not kept by its due time tells its owner and the team's leads (the
  conversation comes back to the owner at that moment; there is no separate "due" event).

- A recovery task opened for, or reassigned to, an agent tells that owner (feedback events).
- Praise from a customer tells the agent praised (it is on their profile too).

Registered inside the publisher's transaction (`in_transaction`): the notifications commit with
the target's or the promise's "fired" mark, so no crash between the two loses them or makes them
twice. Each handler writes in a savepoint of its own.
"""

from django.db import transaction

from carefront.core.events import subscribe
from carefront.feedback import events as feedback_events
from carefront.sla import events as sla_events

from .models import NotificationKind
from .services import notification_create, notifications_create_for_escalation


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


def on_follow_up_broken(event: sla_events.FollowUpBroken) -> None:
    """The owner, and the leads who hear of the conversation's SLA trouble (not whoever held it
    before: it goes back to the owner now)."""
    from carefront.accounts.models import Agent, Role
    from carefront.conversations.models import Conversation

    from .selectors import escalation_recipients

    conversation = Conversation.objects.filter(pk=event.conversation_id).first()
    if conversation is None:
        return
    owner = Agent.objects.filter(pk=event.owner_id, is_active=True).first()
    leads = [a for a in escalation_recipients(conversation=conversation) if a.role == Role.LEAD]
    recipients = ([owner] if owner is not None else []) + [a for a in leads if a != owner]
    with transaction.atomic():
        for recipient in recipients:
            notification_create(
                recipient=recipient,
                kind=NotificationKind.FOLLOW_UP_BROKEN,
                conversation_id=event.conversation_id,
                dedupe_key=f"follow-up:{event.follow_up_id}:broken",
                due_at=event.due_at,
            )


# What the customer said, shown under the headline: enough to know what it is about.
NOTE_LENGTH = 300


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= NOTE_LENGTH else text[: NOTE_LENGTH - 1] + "…"


def _tell_recovery_owner(*, task_id: int, owner_id: int | None) -> None:
    from carefront.accounts.models import Agent
    from carefront.feedback.models import RecoveryTask

    if owner_id is None:
        return
    owner = Agent.objects.filter(pk=owner_id).first()
    task = RecoveryTask.objects.filter(pk=task_id).only("pk", "comment", "conversation_id").first()
    if owner is None or task is None:
        return
    with transaction.atomic():
        notification_create(
            recipient=owner,
            kind=NotificationKind.RECOVERY_ASSIGNED,
            conversation_id=task.conversation_id,
            # Once per task and owner: a task handed back to someone does not tell them again.
            dedupe_key=f"recovery:{task.pk}:owner:{owner.pk}",
            recovery_task_id=task.pk,
            note=_excerpt(task.comment),
        )


def on_recovery_opened(event: feedback_events.RecoveryOpened) -> None:
    _tell_recovery_owner(task_id=event.recovery_task_id, owner_id=event.owner_id)


def on_recovery_reassigned(event: feedback_events.RecoveryReassigned) -> None:
    if event.owner_id == event.old_owner_id:
        return
    _tell_recovery_owner(task_id=event.recovery_task_id, owner_id=event.owner_id)


def on_praise_received(event: feedback_events.PraiseReceived) -> None:
    from carefront.accounts.models import Agent
    from carefront.feedback.models import Praise

    agent = Agent.objects.filter(pk=event.agent_id).first()
    praise = Praise.objects.filter(pk=event.praise_id).only("pk", "text").first()
    if agent is None or praise is None:
        return
    with transaction.atomic():
        notification_create(
            recipient=agent,
            kind=NotificationKind.PRAISE_RECEIVED,
            conversation_id=event.conversation_id,
            dedupe_key=f"praise:{praise.pk}",
            praise_id=praise.pk,
            note=_excerpt(praise.text),
        )


def connect() -> None:
    subscribe(sla_events.SlaTargetAtRisk, on_sla_target_at_risk, in_transaction=True)
    subscribe(sla_events.SlaTargetBreached, on_sla_target_breached, in_transaction=True)
    subscribe(sla_events.FollowUpBroken, on_follow_up_broken, in_transaction=True)
    subscribe(feedback_events.RecoveryOpened, on_recovery_opened, in_transaction=True)
    subscribe(feedback_events.RecoveryReassigned, on_recovery_reassigned, in_transaction=True)
    subscribe(feedback_events.PraiseReceived, on_praise_received, in_transaction=True)
