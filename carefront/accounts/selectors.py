"""Reads on agents and teams."""

from django.db.models import Q, QuerySet

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
