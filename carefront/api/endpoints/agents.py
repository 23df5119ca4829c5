"""Agents: who is who, for assigning and for showing authors. `/me` is the caller."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from carefront.accounts.models import Agent
from carefront.accounts.selectors import agents_visible_to, teams_visible_to
from carefront.accounts.services import agent_set_availability
from carefront.core.exceptions import NotFound

from ..auth import caller
from ..pagination import keyset_page
from ..schemas import ErrorOut, Id, ValidationErrorOut
from ..schemas_extra import (
    AgentFilterIn,
    AgentOut,
    AgentPage,
    AvailabilityIn,
    AvailabilityOut,
    MeOut,
)
from ..serializers_extra import agents_out

router = Router(tags=["agents"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _visible_team_ids(actor: Agent) -> set[int] | None:
    if actor.sees_all_inboxes:
        return None
    return set(teams_visible_to(actor=actor).values_list("pk", flat=True))


@router.get("/agents", response={200: AgentPage, **ERRORS})
def list_agents(request: HttpRequest, filters: Query[AgentFilterIn]):
    """Agents by name. Agents see themselves and their teammates; leads and admins see all.

    Deactivated agents are included (they still author old messages) unless `is_active`."""
    actor = caller(request)
    qs = agents_visible_to(actor=actor)
    if filters.team_id is not None:
        qs = qs.filter(teams__id=filters.team_id)
    if filters.role is not None:
        qs = qs.filter(role=filters.role)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    page = keyset_page(qs, key="name", kind="text", cursor=filters.cursor, limit=filters.limit)
    items = agents_out(page.items, visible_team_ids=_visible_team_ids(actor))
    return {"items": items, "next_cursor": page.next_cursor}


@router.get("/agents/{agent_id}", response={200: AgentOut, **ERRORS})
def get_agent(request: HttpRequest, agent_id: Path[Id]):
    actor = caller(request)
    agent = agents_visible_to(actor=actor).filter(pk=agent_id).first()
    if agent is None:
        raise NotFound(_("Agent not found."))
    return agents_out([agent], visible_team_ids=_visible_team_ids(actor))[0]


@router.get("/me", response={200: MeOut, 401: ErrorOut})
def me(request: HttpRequest):
    """The agent the token (or session) acts as, and what this call's credentials may do."""
    actor = caller(request)
    token = request.auth.token  # type: ignore[attr-defined]
    [out] = agents_out([actor], visible_team_ids=None)
    return {
        **out,
        "sees_all_inboxes": actor.sees_all_inboxes,
        "token_scope": token.scope if token is not None else "session",
    }


def _availability_out(agent: Agent) -> dict:
    return {
        "availability": agent.availability,
        "status_changed_at": agent.status_changed_at,
        "last_active_at": agent.last_active_at,
        "chat_capacity": agent.chat_capacity,
        "conversation_capacity": agent.conversation_capacity,
    }


@router.get("/me/availability", response={200: AvailabilityOut, 401: ErrorOut})
def get_my_availability(request: HttpRequest):
    """The caller's status (online, away, offline) and capacities (docs/routing.md)."""
    return _availability_out(caller(request))


@router.put("/me/availability", response={200: AvailabilityOut, **ERRORS})
def set_my_availability(request: HttpRequest, payload: AvailabilityIn):
    """Set the caller's status. Online: new chats and automatic assignments may come."""
    agent = agent_set_availability(agent=caller(request), availability=payload.availability)
    return _availability_out(agent)
