"""Reads on agents and teams."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from carefront.accounts.models import Agent, Role, Team


def agent_list(*, include_inactive: bool = False) -> QuerySet[Agent]:
    qs = Agent.objects.prefetch_related("teams").order_by("name", "id")
    return qs if include_inactive else qs.filter(is_active=True)


def team_list() -> QuerySet[Team]:
    return Team.objects.prefetch_related("members").order_by("name")


def assignable_agents(*, inbox_id: int) -> QuerySet[Agent]:
    """Active agents who can see the inbox: its teams' members, leads and admins."""
    return (
        Agent.objects.filter(is_active=True)
        .filter(Q(role__in=[Role.ADMIN, Role.LEAD]) | Q(teams__inboxes__id=inbox_id))
        .distinct()
        .order_by("name", "id")
    )


def teams_visible_to(*, actor: Agent) -> QuerySet[Team]:
    """Leads and admins see every team; an agent sees the teams they belong to."""
    if actor.sees_all_inboxes:
        return Team.objects.all()
    member = Team.members.through.objects.filter(team_id=OuterRef("pk"), agent_id=actor.pk)
    return Team.objects.filter(Exists(member))


def agents_visible_to(*, actor: Agent) -> QuerySet[Agent]:
    """Leads and admins see every agent; an agent sees themselves and their teammates."""
    if actor.sees_all_inboxes:
        return Agent.objects.all()
    membership = Team.members.through.objects
    shared = membership.filter(
        agent_id=OuterRef("pk"),
        team_id__in=membership.filter(agent_id=actor.pk).values("team_id"),
    )
    return Agent.objects.filter(Q(pk=actor.pk) | Exists(shared))
