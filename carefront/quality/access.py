"""Who leads which team, for the people side of quality: an admin every team, a lead the
teams they belong to, an agent none. One rule for the UI and the API."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role, Team
from carefront.core.exceptions import NotFound, PermissionDenied


def teams_led_by(*, actor: Agent) -> QuerySet[Team]:
    if actor.role == Role.ADMIN:
        return Team.objects.order_by("name")
    if actor.role == Role.LEAD:
        return Team.objects.filter(members=actor).order_by("name")
    return Team.objects.none()


def require_lead(actor: Agent) -> None:
    if actor.role not in {Role.ADMIN, Role.LEAD}:
        raise PermissionDenied(_("Only leads and admins may do this."))


def access_led_team(*, actor: Agent, team_id: int) -> Team:
    """A team the actor leads; NotFound for any other id (forged or not theirs)."""
    require_lead(actor)
    team = teams_led_by(actor=actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("Team not found."))
    return team
