"""Coaching sessions between a lead and an agent, with goals on scorecard categories and a
follow-up reminder on the day set."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_lead_or_admin
from carefront.core.exceptions import InvalidInput, PermissionDenied

from .. import selectors
from ..models import CoachingGoal, CoachingSession, Scorecard
from ..models.reviews import MAX_COMMENT_LENGTH

logger = logging.getLogger(__name__)

MAX_GOALS = 10
FLUSH_BATCH = 200


@dataclass(frozen=True, slots=True)
class GoalIn:
    scorecard_id: int
    category_key: str
    description: str = ""


def _clean(text: str, limit: int) -> str:
    text = (text or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise InvalidInput(_("A text is at most %(n)s characters.") % {"n": limit})
    return text


def coaching_create(
    *,
    actor: Agent,
    agent: Agent,
    held_on: dt.date,
    notes: str = "",
    follow_up_on: dt.date | None = None,
    goals: list[GoalIn] | None = None,
) -> CoachingSession:
    """Record a coaching session with an agent the actor leads. Goals name scorecard categories
    (by key, so progress follows them across versions). With a follow-up date, both are
    reminded on that day."""
    require_lead_or_admin(actor)
    if agent.pk == actor.pk or not selectors.may_lead(actor=actor, agent_id=agent.pk):
        raise PermissionDenied(_("You may coach only the agents of your teams."))
    if follow_up_on is not None and follow_up_on < held_on:
        raise InvalidInput(_("The follow-up date cannot be before the session."))
    notes = _clean(notes, MAX_COMMENT_LENGTH * 2)
    goals = goals or []
    if len(goals) > MAX_GOALS:
        raise InvalidInput(_("A session has at most %(n)s goals.") % {"n": MAX_GOALS})
    scorecards = selectors.current_versions(scorecard_ids=[g.scorecard_id for g in goals])
    rows, seen = [], set()
    for goal in goals:
        version = scorecards.get(goal.scorecard_id)
        category = (
            next((c for c in version.categories.all() if c.key == goal.category_key), None)
            if version
            else None
        )
        if category is None:
            raise InvalidInput(_("A goal names a scorecard category that does not exist."))
        if (goal.scorecard_id, goal.category_key) in seen:
            continue
        seen.add((goal.scorecard_id, goal.category_key))
        rows.append(
            CoachingGoal(
                scorecard=Scorecard(pk=goal.scorecard_id),
                category_key=category.key,
                category_name=category.name,
                description=_clean(goal.description, MAX_COMMENT_LENGTH),
            )
        )
    with transaction.atomic():
        session = CoachingSession.objects.create(
            lead=actor, agent=agent, held_on=held_on, notes=notes, follow_up_on=follow_up_on
        )
        for row in rows:
            row.session = session
        CoachingGoal.objects.bulk_create(rows)
        if follow_up_on is not None:
            session_id = session.pk
            transaction.on_commit(lambda: _schedule_reminder(session_id, follow_up_on))
    return session


def _reminder_due(follow_up_on: dt.date) -> dt.datetime:
    return dt.datetime.combine(follow_up_on, dt.time(8), tzinfo=dt.UTC)


def _schedule_reminder(session_id: int, follow_up_on: dt.date) -> None:
    from ..tasks import coaching_reminder_task

    try:
        if coaching_reminder_task.get_backend().supports_defer:
            coaching_reminder_task.using(run_after=_reminder_due(follow_up_on)).enqueue(session_id)
        # Without deferred tasks `coaching_reminders_flush` finds it.
    except Exception:
        logger.exception("Could not schedule the reminder of coaching session %s", session_id)


def coaching_remind(*, session_id: int, now: dt.datetime | None = None) -> bool:
    """On the follow-up day (from 08:00 UTC), remind the lead and the agent: once. False when
    nothing was due."""
    from carefront.notifications.services import notification_create

    now = now or timezone.now()
    with transaction.atomic():
        session = (
            CoachingSession.objects.select_for_update()
            .filter(pk=session_id, reminded_at__isnull=True, follow_up_on__isnull=False)
            .first()
        )
        if session is None or _reminder_due(session.follow_up_on) > now:
            return False
        session.reminded_at = now
        session.save(update_fields=["reminded_at"])
        people = {a.pk: a for a in Agent.objects.filter(pk__in=[session.lead_id, session.agent_id])}
        pairs = [(session.lead_id, session.agent_id), (session.agent_id, session.lead_id)]
        for recipient_id, other_id in pairs:
            recipient, other = people.get(recipient_id), people.get(other_id)
            if recipient is None:
                continue
            notification_create(
                recipient=recipient,
                kind="coaching_follow_up",
                dedupe_key=f"coaching_follow_up:{session.pk}",
                coaching_session_id=session.pk,
                with_name=other.name if other else "",
                due_at=_reminder_due(session.follow_up_on),
                now=now,
            )
    return True


def coaching_reminders_flush(*, now: dt.datetime | None = None) -> int:
    """Send the reminders that are due and not sent (their deferred task was lost, or the queue
    defers none). Safe to run any time; returns how many it sent."""
    now = now or timezone.now()
    today = now.date() if now.hour >= 8 else now.date() - dt.timedelta(days=1)
    due = list(
        CoachingSession.objects.filter(
            reminded_at__isnull=True, follow_up_on__isnull=False, follow_up_on__lte=today
        )
        .order_by("follow_up_on")
        .values_list("pk", flat=True)[:FLUSH_BATCH]
    )
    return sum(coaching_remind(session_id=pk, now=now) for pk in due)
