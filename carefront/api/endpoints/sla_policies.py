"""SLA policies (admins only; see docs/admin-guide.md, "SLA policies"): the ordered list, create,
replace, delete and move. Schemas live here: they serve only these endpoints."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from carefront.accounts.models import Agent, Team
from carefront.accounts.services.permissions import require_admin
from carefront.conversations.models import PRIORITY_BY_NAME, priority_name
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.inboxes.models import Inbox
from carefront.sla.models import SlaPolicy
from carefront.sla.selectors import sla_policy_list
from carefront.sla.services.policies_admin import (
    MAX_TARGET_MINUTES,
    sla_policy_create,
    sla_policy_delete,
    sla_policy_move,
    sla_policy_update,
)

from ..auth import caller
from ..schemas import ErrorOut, Id, PriorityName, Ref, ValidationErrorOut

router = Router(tags=["sla policies"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

Basis = Literal["business", "calendar"]
When = Literal["", "at_risk", "breached"]
Minutes = int | None


class SlaPolicyIn(Schema):
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    is_active: bool = True
    inbox_ids: list[Id] = Field(default_factory=list, max_length=500)
    team_ids: list[Id] = Field(default_factory=list, max_length=500)
    priorities: list[PriorityName] = Field(default_factory=list, max_length=4)
    channels: list[Literal["email", "api"]] = Field(default_factory=list, max_length=10)
    tags: list[str] = Field(default_factory=list, max_length=100)
    customer_attribute: str = Field("", max_length=64)
    customer_attribute_value: str = Field("", max_length=200)
    requester: Literal["", "internal", "external"] = ""
    first_reply_minutes: Minutes = Field(None, ge=1, le=MAX_TARGET_MINUTES)
    first_reply_basis: Basis = "business"
    next_reply_minutes: Minutes = Field(None, ge=1, le=MAX_TARGET_MINUTES)
    next_reply_basis: Basis = "business"
    resolution_minutes: Minutes = Field(None, ge=1, le=MAX_TARGET_MINUTES)
    resolution_basis: Basis = "business"
    at_risk_minutes: int = Field(30, ge=0, le=MAX_TARGET_MINUTES)
    notify_at_risk: bool = True
    notify_breached: bool = True
    raise_priority: When = ""
    reassign_team_id: Id | None = None
    reassign_when: When = ""


class SlaPolicyOut(Schema):
    id: int
    position: int = Field(description="1 for the policy tried first.")
    name: str
    description: str
    is_active: bool
    inboxes: list[Ref]
    teams: list[Ref]
    priorities: list[PriorityName]
    channels: list[str]
    tags: list[str]
    customer_attribute: str
    customer_attribute_value: str
    requester: str
    first_reply_minutes: int | None
    first_reply_basis: str
    next_reply_minutes: int | None
    next_reply_basis: str
    resolution_minutes: int | None
    resolution_basis: str
    at_risk_minutes: int
    notify_at_risk: bool
    notify_breached: bool
    raise_priority: str
    reassign_team: Ref | None
    reassign_when: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SlaPolicyList(Schema):
    items: list[SlaPolicyOut]
    next_cursor: None = Field(None, description="Always null: the list is never paged.")


class MoveIn(Schema):
    direction: Literal["up", "down"]


def _out(policy: SlaPolicy, position: int) -> dict:
    return {
        "id": policy.pk,
        "position": position,
        "name": policy.name,
        "description": policy.description,
        "is_active": policy.is_active,
        "inboxes": [{"id": i.pk, "name": i.name} for i in policy.inboxes.all()],
        "teams": [{"id": t.pk, "name": t.name} for t in policy.teams.all()],
        "priorities": [priority_name(int(p)) for p in policy.priorities or []],
        "channels": list(policy.channels or []),
        "tags": sorted(t.name for t in policy.tags.all()),
        "customer_attribute": policy.customer_attribute,
        "customer_attribute_value": policy.customer_attribute_value,
        "requester": policy.requester,
        "first_reply_minutes": policy.first_reply_minutes,
        "first_reply_basis": policy.first_reply_basis,
        "next_reply_minutes": policy.next_reply_minutes,
        "next_reply_basis": policy.next_reply_basis,
        "resolution_minutes": policy.resolution_minutes,
        "resolution_basis": policy.resolution_basis,
        "at_risk_minutes": policy.at_risk_minutes,
        "notify_at_risk": policy.notify_at_risk,
        "notify_breached": policy.notify_breached,
        "raise_priority": policy.raise_priority,
        "reassign_team": (
            {"id": policy.reassign_team.pk, "name": policy.reassign_team.name}
            if policy.reassign_team
            else None
        ),
        "reassign_when": policy.reassign_when,
        "created_at": policy.created_at,
        "updated_at": policy.updated_at,
    }


def _listed(actor: Agent) -> list[dict]:
    return [_out(p, i) for i, p in enumerate(sla_policy_list(actor=actor), start=1)]


def _one(actor: Agent, policy_id: int) -> dict:
    found = next((item for item in _listed(actor) if item["id"] == policy_id), None)
    if found is None:
        raise NotFound(_("SLA policy not found."))
    return found


def _policy(actor: Agent, policy_id: int) -> SlaPolicy:
    require_admin(actor)
    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("SLA policy not found."))
    return policy


def _by_ids(model, ids: list[int], message: str) -> list:
    wanted = set(ids)
    found = list(model.objects.filter(pk__in=wanted))
    missing = sorted(wanted - {o.pk for o in found})
    if missing:
        raise InvalidInput(message % {"id": missing[0]})
    return found


def _settings(payload: SlaPolicyIn) -> dict:
    data = payload.model_dump()
    reassign_team = None
    if payload.reassign_team_id is not None:
        reassign_team = _by_ids(Team, [payload.reassign_team_id], _("No team has the id %(id)s."))[
            0
        ]
    for key in ("inbox_ids", "team_ids", "reassign_team_id"):
        data.pop(key)
    return {
        **data,
        "inboxes": _by_ids(Inbox, payload.inbox_ids, _("No inbox has the id %(id)s.")),
        "teams": _by_ids(Team, payload.team_ids, _("No team has the id %(id)s.")),
        "priorities": [PRIORITY_BY_NAME[p] for p in payload.priorities],
        "reassign_team": reassign_team,
    }


@router.get("/sla-policies", response={200: SlaPolicyList, **ERRORS})
def list_sla_policies(request: HttpRequest):
    """Every policy in the order they are tried (the first active one that matches applies).
    Not paged: policies are few. Admins only."""
    return {"items": _listed(caller(request)), "next_cursor": None}


@router.get("/sla-policies/{policy_id}", response={200: SlaPolicyOut, **ERRORS})
def get_sla_policy(request: HttpRequest, policy_id: Path[Id]):
    return _one(caller(request), policy_id)


@router.post("/sla-policies", response={201: SlaPolicyOut, **ERRORS})
def create_sla_policy(request: HttpRequest, payload: SlaPolicyIn):
    """A new policy, tried last. At least one target; minutes are in the target's basis."""
    actor = caller(request)
    require_admin(actor)
    policy = sla_policy_create(actor=actor, **_settings(payload))
    return Status(201, _one(actor, policy.pk))


@router.put("/sla-policies/{policy_id}", response={200: SlaPolicyOut, **ERRORS})
def replace_sla_policy(request: HttpRequest, policy_id: Path[Id], payload: SlaPolicyIn):
    """Replaces every setting (one left out goes back to its default)."""
    actor = caller(request)
    policy = _policy(actor, policy_id)
    sla_policy_update(actor=actor, policy=policy, **_settings(payload))
    return _one(actor, policy_id)


@router.delete("/sla-policies/{policy_id}", response={204: None, **ERRORS})
def delete_sla_policy(request: HttpRequest, policy_id: Path[Id]):
    actor = caller(request)
    sla_policy_delete(actor=actor, policy=_policy(actor, policy_id))
    return Status(204, None)


@router.post("/sla-policies/{policy_id}/move", response={200: SlaPolicyList, **ERRORS})
def move_sla_policy(request: HttpRequest, policy_id: Path[Id], payload: MoveIn):
    """One place up (tried earlier) or down; answers with the whole list in its new order."""
    actor = caller(request)
    sla_policy_move(actor=actor, policy=_policy(actor, policy_id), direction=payload.direction)
    return {"items": _listed(actor), "next_cursor": None}
