"""Writes on assignment policies (the routing admin page, docs/routing.md)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Team
from carefront.accounts.services.permissions import require_admin
from carefront.core.exceptions import InvalidInput
from carefront.inboxes.models import Inbox

from .models import AssignmentPolicy, AssignmentStrategy


def _scope(scope: str) -> tuple[Inbox | None, Team | None]:
    kind, _sep, raw_id = (scope or "").partition(":")
    if kind not in {"inbox", "team"} or not raw_id.isdigit():
        raise InvalidInput(_("Choose an inbox or a team."))
    if kind == "inbox":
        inbox = Inbox.objects.filter(pk=int(raw_id)).first()
        if inbox is None:
            raise InvalidInput(_("That inbox does not exist."))
        return inbox, None
    team = Team.objects.filter(pk=int(raw_id)).first()
    if team is None:
        raise InvalidInput(_("That team does not exist."))
    return None, team


@transaction.atomic
def assignment_policy_save(
    *,
    actor: Agent,
    policy: AssignmentPolicy | None,
    scope: str,
    enabled: bool,
    strategy: str,
    reassign_after_away_minutes: int | None,
    chat_accept_seconds: int,
    chat_wait_minutes: int,
) -> AssignmentPolicy:
    """Create or change the policy of an inbox or a team (one each)."""
    require_admin(actor)
    if strategy not in AssignmentStrategy.values:
        raise InvalidInput(_("%(value)s is not a strategy.") % {"value": strategy})
    if chat_accept_seconds < 10 or chat_wait_minutes < 1:
        raise InvalidInput(_("Give a chat at least 10 seconds to accept and 1 minute to wait."))
    inbox, team = _scope(scope)
    clash = AssignmentPolicy.objects.filter(inbox=inbox) if inbox else None
    if team is not None:
        clash = AssignmentPolicy.objects.filter(team=team)
    if policy is not None:
        clash = clash.exclude(pk=policy.pk)
    if clash.exists():
        raise InvalidInput(_("That inbox or team has a policy already: change that one."))
    policy = policy or AssignmentPolicy()
    policy.inbox = inbox
    policy.team = team
    policy.enabled = enabled
    policy.strategy = strategy
    policy.reassign_after_away_minutes = reassign_after_away_minutes
    policy.chat_accept_seconds = chat_accept_seconds
    policy.chat_wait_minutes = chat_wait_minutes
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError as exc:
        raise InvalidInput(_("That inbox or team has a policy already: change that one.")) from exc
    return policy


def assignment_policy_delete(*, actor: Agent, policy: AssignmentPolicy) -> None:
    require_admin(actor)
    policy.delete()
