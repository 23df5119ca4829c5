"""Reads of the feedback app, scoped by the acting agent: ratings (the conversations they may
see), recovery tasks (leads: all; agents: their own), praise."""

import base64
import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Team
from carefront.conversations.selectors import after_keyset, conversations_visible_to
from carefront.core.exceptions import InvalidInput, NotFound

from .models import Praise, Rating, RecoveryState, RecoveryTask, Score


def ratings_visible_to(*, actor: Agent) -> QuerySet[Rating]:
    """Ratings of conversations in the actor's inboxes (leads and admins: all), with what a
    list shows selected."""
    qs = Rating.objects.select_related("conversation", "customer", "agent", "survey")
    if actor.sees_all_inboxes:
        return qs
    visible = conversations_visible_to(actor=actor).filter(pk=OuterRef("conversation_id"))
    return qs.filter(Exists(visible))


def access_rating(*, actor: Agent, rating_id: int) -> Rating:
    rating = ratings_visible_to(actor=actor).filter(pk=rating_id).first()
    if rating is None:
        raise NotFound(_("Rating not found."))
    return rating


def customer_ratings(*, actor: Agent, customer_id: int, limit: int = 20) -> list[Rating]:
    """The customer's latest ratings the actor may see, newest first (one query)."""
    return list(
        ratings_visible_to(actor=actor)
        .filter(customer_id=customer_id)
        .order_by("-created_at", "-id")[:limit]
    )


def customer_rating_counts(*, actor: Agent, customer_id: int) -> dict[str, int]:
    """How many of each score the customer gave (one query), every score present."""
    counts = dict.fromkeys(Score.values, 0)
    rows = (
        ratings_visible_to(actor=actor)
        .filter(customer_id=customer_id)
        .order_by()
        .values_list("score")
        .annotate(n=Count("id"))
    )
    for score, n in rows:
        counts[score] = n
    return counts


# Recovery tasks and praise ------------------------------------------------------------------


@dataclass
class RecoveryFilters:
    """`owner`: "me", "anyone", "unowned" or an agent's id (as text). Open tasks come by due
    time, soonest (so overdue) first; closed ones by closing time, newest first."""

    state: str = RecoveryState.OPEN
    owner: str = "me"
    inbox_id: int | None = None
    reason: str | None = None
    overdue: bool = False
    conversation_id: int | None = None


@dataclass
class RecoveryPage:
    items: list[RecoveryTask]
    next_cursor: str | None


def recovery_tasks_visible_to(*, actor: Agent) -> QuerySet[RecoveryTask]:
    """Leads and admins see every task; an agent the tasks they own."""
    qs = RecoveryTask.objects.select_related(
        "conversation", "customer", "owner", "agent", "inbox", "closed_by"
    )
    if actor.sees_all_inboxes:
        return qs
    return qs.filter(owner=actor)


def access_recovery_task(*, actor: Agent, task_id: int) -> RecoveryTask:
    task = recovery_tasks_visible_to(actor=actor).filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("Recovery task not found."))
    return task


def _encode(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str, *, order: str) -> tuple[dt.datetime, int]:
    try:
        values = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if not (
            isinstance(values, list)
            and len(values) == 3
            and values[0] == order
            and isinstance(values[2], int)
            and not isinstance(values[2], bool)
            and 0 <= values[2] < 2**63
        ):
            raise ValueError(values)
        when = dt.datetime.fromisoformat(values[1])
        if when.tzinfo is None:
            raise ValueError(values)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The page cursor is not valid.")) from exc
    return when, values[2]


def recovery_task_page(
    *,
    actor: Agent,
    filters: RecoveryFilters,
    cursor: str | None = None,
    limit: int = 25,
    now: dt.datetime | None = None,
) -> RecoveryPage:
    """One keyset page of the tasks the actor may see, filtered. Two index-backed orders:
    open by (due_at, id), closed by (closed_at, id) descending."""
    now = now or timezone.now()
    qs = recovery_tasks_visible_to(actor=actor)
    closed = filters.state == RecoveryState.CLOSED
    qs = qs.filter(state=RecoveryState.CLOSED if closed else RecoveryState.OPEN)
    if filters.owner == "me":
        qs = qs.filter(owner=actor)
    elif filters.owner == "unowned":
        qs = qs.filter(owner__isnull=True)
    elif filters.owner.isdigit():
        qs = qs.filter(owner_id=int(filters.owner))
    if filters.inbox_id:
        qs = qs.filter(inbox_id=filters.inbox_id)
    if filters.reason:
        qs = qs.filter(reason=filters.reason)
    if filters.conversation_id:
        qs = qs.filter(conversation_id=filters.conversation_id)
    if filters.overdue and not closed:
        qs = qs.filter(due_at__lt=now)
    key, order = ("closed_at", "-closed") if closed else ("due_at", "due")
    if cursor:
        value, last_id = _decode(cursor, order=order)
        qs = qs.filter(after_keyset(key, value, last_id, descending=closed))
    ordering = [f"-{key}", "-id"] if closed else [key, "id"]
    rows = list(qs.order_by(*ordering)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode([order, getattr(last, key).isoformat(), last.pk])
    for task in rows:
        task.is_overdue = task.is_open and task.due_at < now
    return RecoveryPage(items=rows, next_cursor=next_cursor)


def open_recovery_conversation_ids(*, conversation_ids: list[int]) -> set[int]:
    """Which of these conversations have an open recovery task (one indexed query; none for
    an empty page). For the flag on inbox rows."""
    if not conversation_ids:
        return set()
    return set(
        RecoveryTask.objects.filter(
            conversation_id__in=conversation_ids, state=RecoveryState.OPEN
        ).values_list("conversation_id", flat=True)
    )


def agent_praise(*, agent: Agent, limit: int = 20) -> list[Praise]:
    """The agent's latest praise, newest first (one query)."""
    return list(
        Praise.objects.filter(agent=agent)
        .select_related("customer", "conversation")
        .order_by("-created_at", "-id")[:limit]
    )


def may_see_team_recognition(*, actor: Agent, team: Team) -> bool:
    return actor.sees_all_inboxes or team.members.filter(pk=actor.pk).exists()


def team_praise_page(
    *, actor: Agent, team: Team, cursor: str | None = None, limit: int = 25
) -> RecoveryPage:
    """Praise for the team's members, newest first, a keyset page (the team's members and
    leads and admins may read it)."""
    if not may_see_team_recognition(actor=actor, team=team):
        raise NotFound(_("Team not found."))
    qs = Praise.objects.filter(agent__teams=team).select_related(
        "agent", "customer", "conversation"
    )
    if cursor:
        value, last_id = _decode(cursor, order="praise")
        qs = qs.filter(after_keyset("created_at", value, last_id, descending=True))
    rows = list(qs.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode(["praise", rows[-1].created_at.isoformat(), rows[-1].pk])
    return RecoveryPage(items=rows, next_cursor=next_cursor)
