"""Saved replies: writing them, and filling their placeholders for one conversation."""

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


def saved_reply_create(*, actor: Agent, title: str, body: str, language: str = "") -> SavedReply:
    """`language`: the tag of the language the reply is written in; empty: the site's."""
    require_lead_or_admin(actor)
    title, body = _clean(title=title, body=body)
    return SavedReply.objects.create(
        title=title, body=body, language=_clean_language(language), created_by=actor
    )


def saved_reply_update(
    *,
    actor: Agent,
    saved_reply: SavedReply,
    title: str,
    body: str,
    language: str | None = None,
) -> SavedReply:
    """`language` stays as it is when not given."""
    require_lead_or_admin(actor)
    saved_reply.title, saved_reply.body = _clean(title=title, body=body)
    if language is not None:
        saved_reply.language = _clean_language(language)
    saved_reply.save(update_fields=["title", "body", "language", "updated_at"])
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
