"""Creating and changing teams."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Team
from carefront.core.exceptions import Conflict, InvalidInput

from .permissions import require_admin


def _clean_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("A team needs a name."))
    if len(name) > 100:
        raise InvalidInput(_("A team name is at most 100 characters."))
    clash = Team.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(_("A team called %(name)s exists.") % {"name": name})
    return name


@transaction.atomic
def team_create(
    *, actor: Agent, name: str, description: str = "", members: Iterable[Agent] = ()
) -> Team:
    require_admin(actor)
    team = Team.objects.create(name=_clean_name(name), description=(description or "").strip())
    team.members.set(list(members))
    return team


@transaction.atomic
def team_update(
    *, actor: Agent, team: Team, name: str, description: str, members: Iterable[Agent]
) -> Team:
    require_admin(actor)
    team.name = _clean_name(name, exclude_pk=team.pk)
    team.description = (description or "").strip()
    team.save(update_fields=["name", "description"])
    team.members.set(list(members))
    return team
