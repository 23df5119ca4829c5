"""Saved replies: writing them, and filling their placeholders for one conversation."""

from collections.abc import Sequence

from django.db import transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.template.defaulttags import DebugNode
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_lead_or_admin
from carefront.core.exceptions import InvalidInput
from carefront.core.i18n import LANGUAGE_TAG

from .models import SavedReply

MAX_TITLE_LENGTH = 120
MAX_BODY_LENGTH = 20_000

# Plain text, so no autoescaping; no loaders and no tag libraries, so a saved reply cannot pull in
# templates from disk; only the built-in tags and filters are available.
_ENGINE = Engine(autoescape=False, libraries={}, loaders=[])
# {% debug %} would print the context and the loaded modules; include/extends read templates.
_FORBIDDEN_NODES = (DebugNode, IncludeNode, ExtendsNode)


def _compile(body: str):
    try:
        template = _ENGINE.from_string(body)
    except TemplateSyntaxError as exc:
        raise InvalidInput(
            _("The saved reply has a placeholder error: %(error)s") % {"error": exc}
        ) from exc
    if template.nodelist.get_nodes_by_type(_FORBIDDEN_NODES):
        raise InvalidInput(_("Saved replies may not use debug, include or extends."))
    return template


def _clean(*, title: str, body: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    if not title:
        raise InvalidInput(_("A saved reply needs a title."))
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(_("A title is at most %(n)s characters.") % {"n": MAX_TITLE_LENGTH})
    if not body:
        raise InvalidInput(_("A saved reply needs a text."))
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidInput(_("A saved reply is at most %(n)s characters.") % {"n": MAX_BODY_LENGTH})
    _compile(body)
    return title, body


def _clean_language(language: str) -> str:
    language = (language or "").strip()
    if language and not LANGUAGE_TAG.match(language):
        raise InvalidInput(
            _("%(value)r is not a language tag such as en or pt-BR.") % {"value": language}
        )
    return language


def saved_reply_create(
    *,
    actor: Agent,
    title: str,
    body: str,
    language: str = "",
    actions: list | None = None,
) -> SavedReply:
    """`language`: the tag of the language the reply is written in; empty: the site's.
    `actions`: what sending it also does (a macro; see `macro_actions_clean`)."""
    require_lead_or_admin(actor)
    title, body = _clean(title=title, body=body)
    return SavedReply.objects.create(
        title=title,
        body=body,
        language=_clean_language(language),
        actions=macro_actions_clean(actions or []),
        created_by=actor,
    )


def saved_reply_update(
    *,
    actor: Agent,
    saved_reply: SavedReply,
    title: str,
    body: str,
    language: str | None = None,
    actions: list | None = None,
) -> SavedReply:
    """`language` and `actions` stay as they are when not given."""
    require_lead_or_admin(actor)
    saved_reply.title, saved_reply.body = _clean(title=title, body=body)
    if language is not None:
        saved_reply.language = _clean_language(language)
    if actions is not None:
        saved_reply.actions = macro_actions_clean(actions)
    saved_reply.save(update_fields=["title", "body", "language", "actions", "updated_at"])
    return saved_reply


@transaction.atomic
def saved_reply_delete(*, actor: Agent, saved_reply: SavedReply) -> None:
    require_lead_or_admin(actor)
    saved_reply.delete()


def saved_reply_context(*, conversation, agent: Agent) -> dict:
    """The only data a saved reply can read: plain values, no model instances, no methods."""
    customer = conversation.customer
    return {
        "customer": {
            "name": customer.display_name,
            "first_name": customer.first_name,
            "email": customer.email,
        },
        "agent": {"name": agent.name, "first_name": agent.first_name, "email": agent.email},
        "conversation": {"id": conversation.pk, "subject": conversation.subject},
        "inbox": {"name": conversation.inbox.name},
    }


def saved_reply_render(*, saved_reply: SavedReply, conversation, agent: Agent) -> str:
    """The saved reply's text with its placeholders filled for this conversation."""
    template = _compile(saved_reply.body)
    context = Context(saved_reply_context(conversation=conversation, agent=agent), autoescape=False)
    return template.render(context).strip()


# ---------------------------------------------------------------------------------------------
# Macros: a saved reply that also changes the conversation when it is sent (issue 14). The
# actions are the rules' vocabulary (rules/catalogue.py), limited to what an agent could do by
# hand on the conversation page.

MACRO_ACTIONS = (
    "set_status",
    "add_tags",
    "remove_tags",
    "assign_agent",
    "assign_team",
    "set_priority",
)
MAX_MACRO_ACTIONS = 10
MAX_MACRO_TAGS = 20


def _macro_error(n: int, message: str) -> InvalidInput:
    return InvalidInput(
        _("Action %(n)s of the saved reply: %(error)s") % {"n": n + 1, "error": message}
    )


def macro_actions_clean(actions: list) -> list[dict]:
    """The actions as stored: [{"type", "params"}], each checked (InvalidInput naming the
    action otherwise)."""
    from carefront.accounts.models import Team
    from carefront.conversations.models import PRIORITY_BY_NAME, Status

    if not isinstance(actions, list):
        raise InvalidInput(_("The actions of a saved reply are a list."))
    if len(actions) > MAX_MACRO_ACTIONS:
        raise InvalidInput(
            _("A saved reply does at most %(n)s things besides the reply.")
            % {"n": MAX_MACRO_ACTIONS}
        )
    clean = []
    for n, action in enumerate(actions):
        if not isinstance(action, dict) or action.get("type") not in MACRO_ACTIONS:
            raise _macro_error(
                n, _("choose one of: %(types)s") % {"types": ", ".join(MACRO_ACTIONS)}
            )
        kind = action["type"]
        params = action.get("params") or {}
        if not isinstance(params, dict):
            raise _macro_error(n, _("its parameters are missing."))
        if kind == "set_status":
            status = params.get("status")
            if status not in Status.values or status == Status.SNOOZED:
                raise _macro_error(n, _("choose a status."))
            clean.append({"type": kind, "params": {"status": status}})
        elif kind == "set_priority":
            priority = str(params.get("priority", "")).lower()
            if priority not in PRIORITY_BY_NAME:
                raise _macro_error(n, _("choose a priority."))
            clean.append({"type": kind, "params": {"priority": priority}})
        elif kind in ("add_tags", "remove_tags"):
            tags = params.get("tags")
            if isinstance(tags, str):
                tags = tags.split(",")
            names = sorted({" ".join(str(t).lower().split()) for t in tags or [] if str(t).strip()})
            if not names or len(names) > MAX_MACRO_TAGS or any(len(t) > 64 for t in names):
                raise _macro_error(n, _("enter one to 20 tags of at most 64 characters."))
            clean.append({"type": kind, "params": {"tags": names}})
        elif kind == "assign_agent":
            agent_id = params.get("agent_id")
            if not (
                isinstance(agent_id, int)
                and not isinstance(agent_id, bool)
                and Agent.objects.filter(pk=agent_id, is_active=True).exists()
            ):
                raise _macro_error(n, _("choose an active agent."))
            clean.append({"type": kind, "params": {"agent_id": agent_id}})
        elif kind == "assign_team":
            team_id = params.get("team_id")
            if not (
                isinstance(team_id, int)
                and not isinstance(team_id, bool)
                and Team.objects.filter(pk=team_id).exists()
            ):
                raise _macro_error(n, _("choose a team."))
            clean.append({"type": kind, "params": {"team_id": team_id}})
    return clean


def macro_apply(*, conversation, actions: list, actor: Agent) -> None:
    """Apply a macro's actions to the conversation, in order, through the conversation
    services (each writes its timeline row and publishes its event). Call inside a
    transaction: one refused action undoes them all."""
    from carefront.accounts.models import Team
    from carefront.conversations.models import Conversation
    from carefront.conversations.services import (
        conversation_assign,
        conversation_set_priority,
        conversation_set_status,
        conversation_set_tags,
    )

    for action in actions:
        kind, params = action.get("type"), action.get("params") or {}
        if kind == "set_status":
            conversation_set_status(conversation=conversation, status=params["status"], actor=actor)
        elif kind == "set_priority":
            conversation_set_priority(
                conversation=conversation, priority=params["priority"], actor=actor
            )
        elif kind in ("add_tags", "remove_tags"):
            current = set(conversation.tags.values_list("name", flat=True))
            wanted = set(params["tags"])
            names = current | wanted if kind == "add_tags" else current - wanted
            conversation_set_tags(conversation=conversation, names=sorted(names), actor=actor)
        elif kind == "assign_agent":
            agent = Agent.objects.filter(pk=params["agent_id"], is_active=True).first()
            if agent is None:
                raise InvalidInput(_("The saved reply assigns to an agent who is not active."))
            conversation_assign(conversation=conversation, assignee=agent, actor=actor)
        elif kind == "assign_team":
            team = Team.objects.filter(pk=params["team_id"]).first()
            if team is None:
                raise InvalidInput(_("The saved reply assigns to a team that no longer exists."))
            current = Conversation.objects.select_related("assignee").get(pk=conversation.pk)
            conversation_assign(
                conversation=conversation, assignee=current.assignee, actor=actor, team=team
            )


@transaction.atomic
def saved_reply_send(
    *,
    conversation,
    saved_reply: SavedReply,
    author: Agent,
    body: str,
    status: str | None = None,
    attachments: Sequence = (),
    if_last_message_id: int | None = None,
):
    """Send `body` (the saved reply as the agent edited it) and then apply the saved reply's
    actions, in one transaction: the reply and its macro happen together or not at all. With
    `if_last_message_id`, held like a reply (ConversationChanged) if someone wrote meanwhile."""
    from carefront.conversations.services import conversation_reply

    message = conversation_reply(
        conversation=conversation,
        author=author,
        body=body,
        status=status,
        attachments=attachments,
        if_last_message_id=if_last_message_id,
    )
    macro_apply(conversation=conversation, actions=saved_reply.actions or [], actor=author)
    return message
