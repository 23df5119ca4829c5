"""Reads of the chat channel, always scoped to one visitor: what the widget is told."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from carefront.conversations.live import REPLAY_LIMIT, live_events_since
from carefront.conversations.models import Attachment, LiveEvent

from .models import ChatSettings, ChatVisitor
from .services import MAX_MESSAGE_CHARS

FILE_SALT = "carefront.chat.file"
_DIRECTION = {"incoming": "in", "outgoing": "out"}


def chat_available(*, chat: ChatSettings, now: dt.datetime) -> tuple[bool, bool]:
    """(someone can chat now, within business hours)."""
    from carefront.automation.routing import agents_available
    from carefront.sla.selectors import business_hours_state

    open_now = True
    if chat.use_business_hours:
        open_now = business_hours_state(inbox_id=chat.inbox_id, team_id=None, now=now) is None
    return open_now and agents_available(inbox_id=chat.inbox_id), open_now


def widget_strings() -> dict[str, str]:
    """The widget's texts in the active language."""
    return {
        "open": _("Chat with us"),
        "close": _("Close the chat"),
        "send": _("Send"),
        "placeholder": _("Write a message…"),
        "attach": _("Attach a file"),
        "start": _("Start the chat"),
        "you": _("You"),
        "typing": _("%(name)s is typing…"),
        "seen": _("Seen"),
        "queue": _("You are number %(position)s in the queue."),
        "agent_joined": _("%(name)s joined the chat."),
        "offline": _(
            "Nobody is available right now. Leave your email and we will answer you there."
        ),
        "email_label": _("Your email"),
        "email_send": _("Continue by email"),
        "email_sent": _("Thank you. We will answer you by email."),
        "reconnecting": _("Reconnecting…"),
        "connected": _("Connected"),
        "failed": _("Not sent. Retry"),
        "too_long": _("This message is too long."),
        "required": _("Required"),
    }


_PRECHAT_LABELS = {
    "name": lambda: _("Name"),
    "email": lambda: _("Email"),
    "phone": lambda: _("Phone"),
    "company": lambda: _("Company"),
    "order_number": lambda: _("Order number"),
}


def chat_config(*, chat: ChatSettings, now: dt.datetime) -> dict:
    available, open_now = chat_available(chat=chat, now=now)
    if available:
        reply_time = _("We usually reply in a few minutes.")
    elif not open_now:
        reply_time = _("We are closed now. Leave a message and we will reply by email.")
    else:
        reply_time = _("We will reply by email as soon as we can.")
    inbox = chat.inbox
    return {
        "title": chat.title or inbox.name,
        "greeting": chat.greeting or _("Hello! How can we help?"),
        "accent_color": chat.accent_color,
        "language": _language_code(),
        "available": available,
        "reply_time_text": reply_time,
        "prechat": [
            {
                "name": field["name"],
                "label": field.get("label") or _PRECHAT_LABELS[field["name"]](),
                "required": bool(field.get("required")),
                "type": "email" if field["name"] == "email" else "text",
            }
            for field in chat.prechat_fields
        ],
        "identity_required": chat.require_verified_identity,
        "max_message_chars": MAX_MESSAGE_CHARS,
        "max_upload_bytes": settings.CAREFRONT["MAX_ATTACHMENT_BYTES"],
        "strings": widget_strings(),
    }


def _language_code() -> str:
    from django.utils.translation import get_language

    return get_language() or settings.LANGUAGE_CODE


def file_url(*, chat: ChatSettings, visitor_id: int, attachment_id: int) -> str:
    token = signing.dumps({"a": attachment_id, "v": visitor_id}, salt=FILE_SALT)
    path = reverse("chat:file", args=[chat.public_key, token])
    return f"{settings.CAREFRONT.get('BASE_URL', '')}{path}"


def widget_event(
    event: LiveEvent | dict, *, chat: ChatSettings, visitor_id: int, attachments: dict | None = None
) -> dict:
    """A public live event as the widget gets it (direction "in"/"out", files with links)."""
    if isinstance(event, dict):
        seq, kind, data = event["seq"], event["kind"], dict(event["data"] or {})
    else:
        seq, kind, data = event.seq, event.kind, dict(event.data or {})
    if kind == "message":
        data = {
            "message_id": data.get("message_id"),
            "direction": _DIRECTION.get(data.get("direction"), data.get("direction")),
            "author": data.get("author", ""),
            "text": data.get("text", ""),
            "created_at": data.get("created_at"),
            "attachments": [
                {
                    "name": name,
                    "size": size,
                    "url": file_url(chat=chat, visitor_id=visitor_id, attachment_id=pk),
                }
                for pk, name, size in (attachments or {}).get(data.get("message_id"), [])
            ],
        }
    return {"type": "event", "seq": seq, "kind": kind, "data": data}


def message_attachments(message_ids: list[int]) -> dict[int, list[tuple[int, str, int]]]:
    found: dict[int, list[tuple[int, str, int]]] = {}
    if not message_ids:
        return found
    rows = (
        Attachment.objects.filter(message_id__in=message_ids, is_inline=False)
        .order_by("id")
        .values_list("message_id", "pk", "filename", "size")
    )
    for message_id, pk, name, size in rows:
        found.setdefault(message_id, []).append((pk, name, size))
    return found


def visitor_events(
    *, chat: ChatSettings, visitor: ChatVisitor, after_seq: int
) -> tuple[list[dict], bool]:
    """The public events of the visitor's conversation after `after_seq` (two queries), and
    whether there were too many to replay (the widget reloads the conversation then)."""
    if not visitor.conversation_id:
        return [], False
    events = live_events_since(
        conversation_id=visitor.conversation_id, after_seq=after_seq, public_only=True
    )
    reload = len(events) > REPLAY_LIMIT
    if reload:
        # Too far behind: the widget starts again from the newest events.
        events = list(
            LiveEvent.objects.filter(conversation_id=visitor.conversation_id, public=True).order_by(
                "-seq"
            )[:REPLAY_LIMIT]
        )[::-1]
    ids = [e.data.get("message_id") for e in events if e.kind == "message" and e.data]
    attachments = message_attachments([i for i in ids if i])
    return [
        widget_event(e, chat=chat, visitor_id=visitor.pk, attachments=attachments) for e in events
    ], reload


def attachment_for_visitor(*, chat: ChatSettings, token: str) -> Attachment | None:
    """The file a link names, if it belongs to a message of the visitor's conversations."""
    try:
        value = signing.loads(token, salt=FILE_SALT)
    except signing.BadSignature:
        return None
    visitor = ChatVisitor.objects.filter(pk=value.get("v"), inbox=chat.inbox_id).first()
    if visitor is None or visitor.customer_id is None:
        return None
    return (
        Attachment.objects.filter(
            pk=value.get("a"),
            message__conversation__customer_id=visitor.customer_id,
            message__conversation__inbox_id=chat.inbox_id,
        )
        .exclude(message__direction="note")
        .first()
    )
