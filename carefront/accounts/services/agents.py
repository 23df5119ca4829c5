"""Creating, changing and deactivating agents."""

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from carefront.accounts import events
from carefront.accounts.models import Agent, Role, Team, validate_time_zone
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput

from .permissions import require_admin

MAX_SIGNATURE_LENGTH = 2000
MAX_CHAT_CAPACITY = 50


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("A name is required."))
    if len(name) > 150:
        raise InvalidInput(_("A name is at most 150 characters."))
    return name


def _clean_role(role: str) -> str:
    if role not in Role.values:
        raise InvalidInput(_("%(role)s is not a role.") % {"role": role})
    return role


def _clean_time_zone(time_zone: str) -> str:
    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages)) from exc
    return time_zone


def _check_password(password: str, agent: Agent | None = None) -> None:
    try:
        validate_password(password, user=agent)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages)) from exc


@transaction.atomic
def agent_create(
    *,
    actor: Agent,
    email: str,
    name: str,
    password: str = "",
    role: str = Role.AGENT,
    teams: Iterable[Team] = (),
    time_zone: str = "UTC",
) -> Agent:
    """Create an agent who signs in with `password` (tell them to change it) or, without one,
    who chooses a password through the invitation link the caller sends them."""
    require_admin(actor)
    email = (email or "").strip().lower()
    if "@" not in email:
        raise InvalidInput(_("%(email)s is not an email address.") % {"email": email})
    if Agent.objects.filter(email=email).exists():
        raise InvalidInput(_("An agent with the address %(email)s exists.") % {"email": email})
    agent = Agent(
        email=email,
        name=_clean_name(name),
        role=_clean_role(role),
        time_zone=_clean_time_zone(time_zone),
        # The Django admin is back-office: only admins get in.
        is_staff=role == Role.ADMIN,
    )
    if password:
        _check_password(password, agent)
        agent.set_password(password)
    else:
        agent.set_unusable_password()
    agent.save()
    agent.teams.set(list(teams))
    return agent


@transaction.atomic
def agent_update(
    *,
    actor: Agent,
    agent: Agent,
    name: str,
    role: str,
    teams: Iterable[Team],
    chat_capacity: int | None = None,
    conversation_capacity: int | object | None = ...,
) -> Agent:
    """Change an agent's name, role and teams, and (when given) their capacities for chats and
    for automatically assigned conversations (None: no limit)."""
    require_admin(actor)
    role = _clean_role(role)
    if agent.pk == actor.pk and role != Role.ADMIN:
        raise InvalidInput(_("You cannot take away your own admin role."))
    agent.name = _clean_name(name)
    agent.role = role
    agent.is_staff = role == Role.ADMIN
    update = ["name", "role", "is_staff"]
    if chat_capacity is not None:
        if not 0 <= chat_capacity <= MAX_CHAT_CAPACITY:
            raise InvalidInput(
                _("A chat capacity is between 0 and %(n)s.") % {"n": MAX_CHAT_CAPACITY}
            )
        agent.chat_capacity = chat_capacity
        update.append("chat_capacity")
    if conversation_capacity is not ...:
        if conversation_capacity is not None and not (
            isinstance(conversation_capacity, int) and conversation_capacity >= 1
        ):
            raise InvalidInput(_("Open conversations at most: a number from 1, or empty."))
        agent.conversation_capacity = conversation_capacity
        update.append("conversation_capacity")
    agent.save(update_fields=update)
    agent.teams.set(list(teams))
    return agent


@transaction.atomic
def agent_deactivate(*, actor: Agent, agent: Agent) -> Agent:
    """Stop an agent from signing in. Their history and authorship stay; the conversations they
    still held go back to their team's queue (a subscriber of `AgentDeactivated` does that)."""
    require_admin(actor)
    if agent.pk == actor.pk:
        raise InvalidInput(_("You cannot deactivate yourself."))
    if not agent.is_active:
        return agent
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    publish(events.AgentDeactivated(agent_id=agent.pk, actor_id=actor.pk))
    return agent


@transaction.atomic
def agent_reactivate(*, actor: Agent, agent: Agent) -> Agent:
    require_admin(actor)
    agent.is_active = True
    agent.save(update_fields=["is_active"])
    return agent


def agent_update_profile(*, agent: Agent, name: str, time_zone: str, signature: str) -> Agent:
    """What agents change about themselves."""
    signature = (signature or "").replace("\r\n", "\n").strip()
    if len(signature) > MAX_SIGNATURE_LENGTH:
        raise InvalidInput(
            _("A signature is at most %(n)s characters.") % {"n": MAX_SIGNATURE_LENGTH}
        )
    agent.name = _clean_name(name)
    agent.time_zone = _clean_time_zone(time_zone)
    agent.signature = signature
    agent.save(update_fields=["name", "time_zone", "signature"])
    return agent
