"""Automatic assignment of conversations (issue 14), docs/routing.md.

Per inbox or team (`AssignmentPolicy`; a team's policy wins for conversations of that team):
round-robin (whoever waited longest since their last automatic assignment) or least loaded
(fewest open conversations, then round-robin), among active, online agents of the team (or of the
inbox's teams) below their open-conversation capacity. New conversations and conversations moved
to a team without an assignee get an agent; an agent away (or offline) beyond the policy's limit
has their open conversations reassigned, by a task scheduled when they went away. Chats are
routed by `carefront.automation.routing` instead.
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from carefront.accounts.models import Agent, Availability, Team
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied

from .models import AgentRouting, AssignmentPolicy, AssignmentStrategy
from .routing import claim_first

logger = logging.getLogger(__name__)

# Conversations reassigned per run of an away timer (the next run continues).
REASSIGN_BATCH = 200


def policy_for(*, inbox_id: int, team_id: int | None) -> AssignmentPolicy | None:
    """The enabled policy that applies: the team's, else the inbox's."""
    if team_id is not None:
        policy = AssignmentPolicy.objects.filter(team_id=team_id).first()
        if policy is not None:
            return policy if policy.enabled else None
    policy = AssignmentPolicy.objects.filter(inbox_id=inbox_id).first()
    return policy if policy is not None and policy.enabled else None


def _open_conversations_of(agent_ref) -> Subquery:
    from carefront.conversations.models import Conversation, Status

    return Subquery(
        Conversation.objects.filter(assignee_id=agent_ref, status=Status.OPEN)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def assignment_candidates(
    *, policy: AssignmentPolicy, inbox_id: int, exclude_ids: tuple[int, ...] = ()
) -> QuerySet[Agent]:
    """Who may get the next conversation under the policy, the first one first."""
    membership = Team.members.through.objects.filter(agent_id=OuterRef("pk"))
    if policy.team_id is not None:
        membership = membership.filter(team_id=policy.team_id)
    else:
        membership = membership.filter(team__inboxes__id=inbox_id)
    qs = (
        Agent.objects.filter(is_active=True, availability=Availability.ONLINE)
        .filter(Exists(membership))
        .exclude(pk__in=exclude_ids)
        .annotate(
            open_count=Coalesce(_open_conversations_of(OuterRef("pk")), 0),
            last_assigned=F("routing__last_assigned_at"),
        )
        .filter(
            Q(conversation_capacity__isnull=True) | Q(open_count__lt=F("conversation_capacity"))
        )
    )
    fair = [F("last_assigned").asc(nulls_first=True), "id"]
    if policy.strategy == AssignmentStrategy.LEAST_LOADED:
        return qs.order_by("open_count", *fair)
    return qs.order_by(*fair)


def conversation_auto_assign(
    *,
    conversation_id: int,
    now: dt.datetime | None = None,
    exclude_ids: tuple[int, ...] = (),
    reason: str = "",
    reason_details: dict | None = None,
) -> Agent | None:
    """Give an open, unassigned conversation to the next agent of its policy. None: no policy,
    nobody available, or it is a chat, assigned or not open (then nothing changes)."""
    from carefront.conversations.models import Conversation, Status
    from carefront.conversations.services import conversation_assign

    now = now or timezone.now()
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update()
            .select_related("inbox")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None or conversation.status != Status.OPEN:
            return None
        if conversation.inbox.channel == "chat":
            return None
        if conversation.assignee_id is not None and not exclude_ids:
            return None
        policy = policy_for(inbox_id=conversation.inbox_id, team_id=conversation.team_id)
        if policy is None:
            return None
        agent = claim_first(
            assignment_candidates(
                policy=policy, inbox_id=conversation.inbox_id, exclude_ids=exclude_ids
            )
        )
        if agent is None:
            return None
        try:
            conversation_assign(
                conversation=conversation,
                assignee=agent,
                actor=None,
                reason=reason or policy.strategy,
                reason_details=reason_details,
            )
        except (InvalidInput, NotFound, PermissionDenied):
            logger.warning("Auto-assignment of %s to %s refused", conversation_id, agent.pk)
            return None
        AgentRouting.objects.update_or_create(agent=agent, defaults={"last_assigned_at": now})
    return agent


def agent_away_reassign(*, agent_id: int, changed_at: str, now: dt.datetime | None = None) -> int:
    """The away timer of an agent: if they are still away (or offline) since `changed_at`,
    their open conversations under a policy whose limit has passed go to someone else (or back
    to the unassigned queue when nobody is available). Returns how many moved."""
    from carefront.conversations.models import Conversation, Status
    from carefront.conversations.services import conversation_assign

    now = now or timezone.now()
    agent = Agent.objects.filter(pk=agent_id).first()
    if agent is None or agent.availability == Availability.ONLINE:
        return 0
    if agent.status_changed_at is None or agent.status_changed_at.isoformat() != changed_at:
        return 0
    away_for = now - agent.status_changed_at
    minutes = int(away_for.total_seconds() // 60)
    moved = 0
    held = (
        Conversation.objects.filter(assignee_id=agent_id, status=Status.OPEN)
        .exclude(inbox__channel="chat")
        .order_by("id")
        .values_list("pk", "inbox_id", "team_id")[:REASSIGN_BATCH]
    )
    later: list[int] = []
    for conversation_id, inbox_id, team_id in held:
        policy = policy_for(inbox_id=inbox_id, team_id=team_id)
        if policy is None or policy.reassign_after_away_minutes is None:
            continue
        limit = dt.timedelta(minutes=policy.reassign_after_away_minutes)
        if away_for < limit:
            later.append(policy.reassign_after_away_minutes)
            continue
        details = {"away_name": agent.name, "away_minutes": minutes}
        new = conversation_auto_assign(
            conversation_id=conversation_id,
            now=now,
            exclude_ids=(agent_id,),
            reason="away_reassigned",
            reason_details=details,
        )
        if new is None:
            with transaction.atomic():
                conversation = Conversation.objects.get(pk=conversation_id)
                conversation_assign(
                    conversation=conversation,
                    assignee=None,
                    actor=None,
                    reason="away_reassigned",
                    reason_details=details,
                )
        moved += 1
    if later:
        _schedule_away_timer(agent, after_minutes=min(later))
    elif len(held) == REASSIGN_BATCH:
        _schedule_away_timer(agent, after_minutes=0, now=now)
    return moved


def _schedule_away_timer(
    agent: Agent, *, after_minutes: int, now: dt.datetime | None = None
) -> None:
    from .routing import schedule_timer
    from .tasks import agent_away_reassign_task

    if agent.status_changed_at is None:
        return
    when = now if now is not None else agent.status_changed_at + dt.timedelta(minutes=after_minutes)
    schedule_timer(agent_away_reassign_task, when, agent.pk, agent.status_changed_at.isoformat())


# Subscribers (registered in AutomationConfig.ready) -----------------------------------------


def on_conversation_created(event) -> None:
    conversation_auto_assign(conversation_id=event.conversation_id)


def on_assigned(event) -> None:
    """Moved to a team without an assignee: the team's (or inbox's) policy picks someone."""
    if event.assignee_id is None and event.team_id is not None:
        conversation_auto_assign(conversation_id=event.conversation_id)


def on_availability_changed(event) -> None:
    """Away or offline: one timer at the earliest reassignment limit of the policies."""
    if event.new == Availability.ONLINE:
        return
    limits = AssignmentPolicy.objects.filter(
        enabled=True, reassign_after_away_minutes__isnull=False
    ).values_list("reassign_after_away_minutes", flat=True)
    limits = list(limits)
    if not limits:
        return
    agent = Agent.objects.filter(pk=event.agent_id).first()
    if agent is not None:
        _schedule_away_timer(agent, after_minutes=min(limits))
