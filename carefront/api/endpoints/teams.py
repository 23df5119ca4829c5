"""Teams: who works together and which inboxes they answer. Admins create and change them."""

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from carefront.accounts.models import Agent, Team
from carefront.accounts.selectors import teams_visible_to
from carefront.accounts.services import team_create, team_update
from carefront.core.exceptions import InvalidInput, NotFound

from ..auth import caller
from ..pagination import keyset_page
from ..schemas import ErrorOut, Id, ValidationErrorOut
from ..schemas_extra import TeamCreateIn, TeamFilterIn, TeamOut, TeamPage, TeamUpdateIn
from ..serializers_extra import teams_out

router = Router(tags=["teams"])

READ_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut}


def _team(*, actor: Agent, team_id: int) -> Team:
    team = teams_visible_to(actor=actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("Team not found."))
    return team


def _members(ids: list[int]) -> list[Agent]:
    wanted = set(ids)
    agents = list(Agent.objects.filter(pk__in=wanted))
    if len(agents) != len(wanted):
        missing = sorted(wanted - {a.pk for a in agents})
        raise InvalidInput(_("No agent has the id %(id)s.") % {"id": missing[0]})
    return agents


@router.get("/teams", response={200: TeamPage, **READ_ERRORS})
def list_teams(request: HttpRequest, filters: Query[TeamFilterIn]):
    """Teams by name. Agents see the teams they belong to; leads and admins see all."""
    qs = teams_visible_to(actor=caller(request))
    if filters.name:
        qs = qs.filter(name__istartswith=filters.name)
    page = keyset_page(qs, key="name", kind="text", cursor=filters.cursor, limit=filters.limit)
    return {"items": teams_out(page.items), "next_cursor": page.next_cursor}


@router.get("/teams/{team_id}", response={200: TeamOut, **READ_ERRORS})
def get_team(request: HttpRequest, team_id: Path[Id]):
    return teams_out([_team(actor=caller(request), team_id=team_id)])[0]


@router.post("/teams", response={201: TeamOut, **WRITE_ERRORS})
def create_team(request: HttpRequest, payload: TeamCreateIn):
    """Admins only. Team names are unique (any case)."""
    with transaction.atomic():
        team = team_create(
            actor=caller(request),
            name=payload.name,
            description=payload.description,
            members=_members(payload.member_ids),
        )
    return Status(201, teams_out([team])[0])


@router.patch("/teams/{team_id}", response={200: TeamOut, **WRITE_ERRORS})
def update_team(request: HttpRequest, team_id: Path[Id], payload: TeamUpdateIn):
    """Admins only. Only the fields you send change; `member_ids` replaces the members."""
    actor = caller(request)
    team = _team(actor=actor, team_id=team_id)
    with transaction.atomic():
        members = (
            _members(payload.member_ids)
            if payload.member_ids is not None
            else list(team.members.all())
        )
        team = team_update(
            actor=actor,
            team=team,
            name=payload.name if payload.name is not None else team.name,
            description=(
                payload.description if payload.description is not None else team.description
            ),
            members=members,
        )
    return teams_out([team])[0]
