"""Who may manage what. Kept next to the services so every write checks the same rule."""

from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role
from carefront.core.exceptions import PermissionDenied


def require_admin(actor: Agent) -> None:
    if not (actor.is_active and actor.role == Role.ADMIN):
        raise PermissionDenied(_("Only admins may do this."))


def require_lead_or_admin(actor: Agent) -> None:
    if not (actor.is_active and actor.role in {Role.ADMIN, Role.LEAD}):
        raise PermissionDenied(_("Only leads and admins may do this."))
