"""Recovery of bad experiences: open a task for a bad rating, a negative comment or an NPS
detractor; reassign it; close it with an outcome.

`recovery_open` is source-agnostic: CSAT opens tasks through `recovery_for_rating` (below), NPS
calls it with `source_kind="nps"`. At most one task per source: a customer who changes their
rating (or answers again) does not open a second one.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role
from carefront.conversations.models import Conversation, EventKind
from carefront.conversations.services import conversation_timeline_add
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.inboxes.models import DEFAULT_RECOVERY_DUE_HOURS, Inbox
from carefront.nlp import Sentiment, analyse_sentiment
from carefront.sla.business_time import NeverOpen, add_business_time
from carefront.sla.selectors import calendar_directory

from .. import events
from ..models import (
    Rating,
    RecoveryOutcome,
    RecoveryReason,
    RecoveryState,
    RecoveryTask,
    Score,
    SourceKind,
)
from ..models.recovery import MAX_NOTE_LENGTH

logger = logging.getLogger(__name__)

# A comment opens a task when the sentiment check scores it this negative or worse: "not
# good" (-0.34), "still broken" (-0.42); a passing "had an issue, now sorted" (-0.10) does not.
NEGATIVE_COMMENT_THRESHOLD = -0.25
MAX_DRIVERS_KEPT = 8
LEAD_ROLES = frozenset({Role.LEAD, Role.ADMIN})


def recovery_default_owner(*, inbox: Inbox | None, team_id: int | None) -> Agent | None:
    """The inbox's recovery owner when set (and still an active lead or admin); else a lead of
    the conversation's team; else a lead of one of the inbox's teams (by name, for a stable
    choice); else nobody (the task shows as unowned to every lead)."""
    if inbox is not None and inbox.recovery_owner_id:
        owner = Agent.objects.filter(
            pk=inbox.recovery_owner_id, is_active=True, role__in=LEAD_ROLES
        ).first()
        if owner is not None:
            return owner
    leads = Agent.objects.filter(is_active=True, role=Role.LEAD).order_by("name", "id")
    if team_id is not None:
        lead = leads.filter(teams=team_id).first()
        if lead is not None:
            return lead
    if inbox is not None:
        return leads.filter(teams__inboxes=inbox).first()
    return None


def recovery_due_at(*, inbox: Inbox | None, team_id: int | None, now: dt.datetime) -> dt.datetime:
    """`now` plus the inbox's hours to follow up, in business time of the inbox's calendar
    (else its team's); in calendar time when there is none (or it never opens)."""
    hours = inbox.recovery_due_hours if inbox is not None else DEFAULT_RECOVERY_DUE_HOURS
    duration = dt.timedelta(hours=hours)
    schedule = calendar_directory().schedule_for(
        inbox_id=inbox.pk if inbox is not None else None, team_id=team_id
    )
    if schedule is None:
        return now + duration
    try:
        return add_business_time(schedule, now, duration)
    except NeverOpen:
        logger.warning("Calendar of inbox %s never opens: recovery due in calendar time", inbox)
        return now + duration


def _drivers(sentiment: Sentiment | None) -> list[dict]:
    if sentiment is None:
        return []
    strongest = sorted(sentiment.drivers, key=lambda d: abs(d.weight), reverse=True)
    return [{"text": d.text, "weight": d.weight} for d in strongest[:MAX_DRIVERS_KEPT]]


def recovery_open(
    *,
    source_kind: str,
    source_id: int,
    customer_id: int,
    reason: str,
    conversation_id: int | None = None,
    inbox_id: int | None = None,
    agent_id: int | None = None,
    score: str = "",
    comment: str = "",
    sentiment: Sentiment | None = None,
    now: dt.datetime | None = None,
) -> RecoveryTask:
    """Open the recovery task for a source (a rating, an NPS answer), or return the one it
    already has. With a conversation, its inbox and team choose the owner and the calendar,
    and the conversation's timeline records the task. Publishes `RecoveryOpened`."""
    if source_kind not in SourceKind.values:
        raise InvalidInput(_("%(kind)s is not a feedback source.") % {"kind": source_kind})
    if reason not in RecoveryReason.values:
        raise InvalidInput(_("%(reason)s is not a recovery reason.") % {"reason": reason})
    now = now or timezone.now()
    # PostgreSQL refuses NUL characters in text; the source (an NPS answer) may not have
    # cleaned them.
    comment = (comment or "").replace("\x00", "")
    score = (score or "").replace("\x00", "")[:16]
    existing = RecoveryTask.objects.filter(source_kind=source_kind, source_id=source_id).first()
    if existing is not None:
        return existing
    team_id = None
    inbox = None
    if conversation_id is not None:
        conversation = (
            Conversation.objects.select_related("inbox").filter(pk=conversation_id).first()
        )
        if conversation is None:
            conversation_id = None
        else:
            inbox, team_id = conversation.inbox, conversation.team_id
    if inbox is None and inbox_id is not None:
        inbox = Inbox.objects.filter(pk=inbox_id).first()
    owner = recovery_default_owner(inbox=inbox, team_id=team_id)
    try:
        with transaction.atomic():
            task = RecoveryTask.objects.create(
                source_kind=source_kind,
                source_id=source_id,
                reason=reason,
                score=score,
                comment=comment,
                sentiment_score=sentiment.score if sentiment is not None else None,
                sentiment_drivers=_drivers(sentiment),
                customer_id=customer_id,
                conversation_id=conversation_id,
                inbox=inbox,
                agent_id=agent_id,
                owner=owner,
                due_at=recovery_due_at(inbox=inbox, team_id=team_id, now=now),
            )
            if conversation_id is not None:
                conversation_timeline_add(
                    conversation_id=conversation_id,
                    kind=EventKind.RECOVERY_OPENED,
                    task=task.pk,
                    reason=reason,
                    owner=owner.pk if owner else None,
                    owner_name=owner.name if owner else "",
                    due_at=task.due_at.isoformat(),
                )
            task_pk, due_at = task.pk, task.due_at
            transaction.on_commit(lambda: _enqueue_overdue_check(task_pk, due_at))
            publish(
                events.RecoveryOpened(
                    recovery_task_id=task.pk,
                    source_kind=source_kind,
                    source_id=source_id,
                    reason=reason,
                    customer_id=customer_id,
                    conversation_id=conversation_id,
                    owner_id=owner.pk if owner else None,
                )
            )
    except IntegrityError:
        # Opened by a concurrent call for the same source (unique per source).
        return RecoveryTask.objects.get(source_kind=source_kind, source_id=source_id)
    return task


def recovery_for_rating(*, rating_id: int, now: dt.datetime | None = None) -> RecoveryTask | None:
    """Open a task for a "not good" rating, or one whose comment is negative; None when the
    rating needs none. A rating opens one task at most, whatever its later changes."""
    if RecoveryTask.objects.filter(source_kind=SourceKind.CSAT, source_id=rating_id).exists():
        return None
    rating = Rating.objects.select_related("conversation").filter(pk=rating_id).first()
    if rating is None:
        return None
    sentiment = analyse_sentiment(rating.comment) if rating.comment else None
    if rating.score == Score.NOT_GOOD:
        reason = RecoveryReason.BAD_RATING
    elif sentiment is not None and sentiment.score <= NEGATIVE_COMMENT_THRESHOLD:
        reason = RecoveryReason.NEGATIVE_COMMENT
    else:
        return None
    return recovery_open(
        source_kind=SourceKind.CSAT,
        source_id=rating.pk,
        customer_id=rating.customer_id,
        reason=reason,
        conversation_id=rating.conversation_id,
        agent_id=rating.agent_id,
        score=rating.score,
        comment=rating.comment,
        sentiment=sentiment,
        now=now,
    )


# NPS detractors: 0 to 6 (carefront/feedback/models/nps.py).
NPS_DETRACTOR_MAX = 6


def recovery_for_nps(*, response_id: int, now: dt.datetime | None = None) -> RecoveryTask | None:
    """Open a task for an NPS detractor (0-6); None otherwise. The inbox that sent the campaign
    chooses the owner and the calendar. An answer opens one task at most: a detractor who later
    raises their score keeps the task, for the owner to close with its outcome."""
    from carefront.feedback.models import NpsResponse

    if RecoveryTask.objects.filter(source_kind=SourceKind.NPS, source_id=response_id).exists():
        return None
    response = NpsResponse.objects.select_related("campaign").filter(pk=response_id).first()
    if response is None or response.score > NPS_DETRACTOR_MAX:
        return None
    return recovery_open(
        source_kind=SourceKind.NPS,
        source_id=response.pk,
        customer_id=response.customer_id,
        reason=RecoveryReason.DETRACTOR,
        inbox_id=response.campaign.sender_inbox_id,
        score=str(response.score),
        comment=response.comment,
        sentiment=analyse_sentiment(response.comment) if response.comment else None,
        now=now,
    )


def _may_act(actor: Agent, task: RecoveryTask) -> bool:
    return actor.is_active and (actor.role in LEAD_ROLES or task.owner_id == actor.pk)


def recovery_close(
    *,
    task: RecoveryTask,
    actor: Agent,
    outcome: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> RecoveryTask:
    """Record what was done: the outcome (required) and a note. The owner, a lead or an admin
    may close it; a closed task stays closed. Publishes `RecoveryClosed`."""
    if outcome not in RecoveryOutcome.values:
        raise InvalidInput(
            _("Choose an outcome: contacted, resolved, could not reach or no action needed.")
        )
    note = (note or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(_("A note is at most %(n)s characters.") % {"n": MAX_NOTE_LENGTH})
    now = now or timezone.now()
    with transaction.atomic():
        task = RecoveryTask.objects.select_for_update().get(pk=task.pk)
        if not _may_act(actor, task):
            raise PermissionDenied(_("Only the owner, a lead or an admin may close this task."))
        if task.state == RecoveryState.CLOSED:
            raise InvalidInput(_("This recovery task is already closed."))
        task.state = RecoveryState.CLOSED
        task.outcome = outcome
        task.note = note
        task.closed_by = actor
        task.closed_at = now
        task.save(
            update_fields=["state", "outcome", "note", "closed_by", "closed_at", "updated_at"]
        )
        if task.conversation_id is not None:
            conversation_timeline_add(
                conversation_id=task.conversation_id,
                kind=EventKind.RECOVERY_CLOSED,
                actor_id=actor.pk,
                task=task.pk,
                outcome=outcome,
                note=note,
            )
        publish(
            events.RecoveryClosed(
                recovery_task_id=task.pk,
                conversation_id=task.conversation_id,
                outcome=outcome,
                closed_by_id=actor.pk,
            )
        )
    return task


def recovery_reassign(*, task: RecoveryTask, actor: Agent, owner: Agent | None) -> RecoveryTask:
    """Give an open task to another active agent (None: unowned). The owner, a lead or an admin
    may; publishes `RecoveryReassigned` when the owner changed."""
    if owner is not None and not owner.is_active:
        raise InvalidInput(_("%(name)s is not active.") % {"name": owner.name})
    with transaction.atomic():
        task = RecoveryTask.objects.select_for_update().get(pk=task.pk)
        if not _may_act(actor, task):
            raise PermissionDenied(_("Only the owner, a lead or an admin may reassign this task."))
        if task.state == RecoveryState.CLOSED:
            raise InvalidInput(_("This recovery task is closed."))
        old_owner_id = task.owner_id
        new_owner_id = owner.pk if owner is not None else None
        if old_owner_id == new_owner_id:
            return task
        task.owner = owner
        task.save(update_fields=["owner", "updated_at"])
        if task.conversation_id is not None:
            conversation_timeline_add(
                conversation_id=task.conversation_id,
                kind=EventKind.RECOVERY_REASSIGNED,
                actor_id=actor.pk,
                task=task.pk,
                owner=new_owner_id,
                owner_name=owner.name if owner else "",
            )
        publish(
            events.RecoveryReassigned(
                recovery_task_id=task.pk,
                conversation_id=task.conversation_id,
                old_owner_id=old_owner_id,
                owner_id=new_owner_id,
            )
        )
    return task


# Overdue: a task at the due time (a flush for queues without deferred tasks) -----------------

OVERDUE_FLUSH_BATCH = 200


def _enqueue_overdue_check(task_id: int, due_at: dt.datetime) -> None:
    from ..tasks import recovery_overdue_task

    try:
        if recovery_overdue_task.get_backend().supports_defer:
            recovery_overdue_task.using(run_after=due_at).enqueue(task_id)
        # Without deferred tasks (the immediate backend) `recovery_overdue_flush` finds it.
    except Exception:
        logger.exception("Could not schedule the overdue check of recovery task %s", task_id)


def recovery_mark_overdue(*, task_id: int, now: dt.datetime | None = None) -> bool:
    """If the task is still open at its due time, record it and publish `RecoveryOverdue`:
    once per task, however often this runs. False when nothing was due."""
    now = now or timezone.now()
    with transaction.atomic():
        task = RecoveryTask.objects.select_for_update().filter(pk=task_id).first()
        if (
            task is None
            or task.state != RecoveryState.OPEN
            or task.overdue_at is not None
            or task.due_at > now
        ):
            return False
        task.overdue_at = now
        task.save(update_fields=["overdue_at", "updated_at"])
        publish(
            events.RecoveryOverdue(
                recovery_task_id=task.pk,
                conversation_id=task.conversation_id,
                owner_id=task.owner_id,
            )
        )
    return True


def recovery_overdue_flush(*, now: dt.datetime | None = None) -> int:
    """Mark every open task past its due time that is not marked yet (their deferred task was
    lost, or the queue defers none). Safe to run any time; returns how many it marked."""
    now = now or timezone.now()
    due = list(
        RecoveryTask.objects.filter(
            state=RecoveryState.OPEN, overdue_at__isnull=True, due_at__lte=now
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:OVERDUE_FLUSH_BATCH]
    )
    return sum(recovery_mark_overdue(task_id=task_id, now=now) for task_id in due)
