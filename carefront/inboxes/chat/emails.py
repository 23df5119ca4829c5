"""The chat's emails, in the visitor's language: the confirmation of the address a visitor
typed, and an agent's reply sent by email when the visitor has left the chat (with a link back)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carefront.conversations.models import Message

from .models import ChatSettings, ChatVisitor

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return f"{settings.CAREFRONT.get('BASE_URL', '')}{path}"


def chat_email_confirmation_send(*, visitor_id: int, email: str) -> bool:
    """Send the link that confirms `email` is the visitor's; False when nothing is to send (the
    visitor changed or confirmed their address meanwhile)."""
    from carefront.inboxes.email.outbound import PermanentDeliveryError, send_built_email

    from .services import confirm_token, visitor_language

    visitor = ChatVisitor.objects.select_related("inbox", "customer").filter(pk=visitor_id).first()
    if visitor is None or visitor.email != email or visitor.email_confirmed_at is not None:
        return False
    if not settings.CAREFRONT.get("BASE_URL"):
        raise PermanentDeliveryError(
            _("CAREFRONT_BASE_URL is not set: the link in this email needs Carefront's address.")
        )
    inbox = visitor.inbox
    address = inbox.email_address or settings.DEFAULT_FROM_EMAIL
    with translation.override(visitor_language(visitor, inbox=inbox)):
        context = {
            "name": visitor.name,
            "inbox": inbox,
            "url": _absolute(reverse("chat:confirm", args=[confirm_token(visitor)])),
        }
        message = EmailMultiAlternatives(
            subject=_("Please confirm your email address"),
            body=render_to_string("inboxes/chat/confirm_email.txt", context),
            from_email=formataddr((inbox.from_name or inbox.name, address)),
            to=[email],
            headers={"Date": format_datetime(timezone.now()), "Auto-Submitted": "auto-generated"},
        )
    send_built_email(message)
    return True


def chat_reply_deliver(
    message: Message,
    *,
    before_transmit: Callable[[], None],
    on_accepted: Callable[[], None],
) -> None:
    """The outbox's delivery of an agent's chat reply. The visitor reads it in the chat (it is a
    live event already) while they are there; when they have left and gave an address, it goes
    by email too, threaded (Message-ID, reply token) so their answer comes back to the same
    conversation, with a link back to the chat."""
    from carefront.inboxes.email.outbound import build_email, send_built_email

    from .services import resume_link_token, visitor_language, visitor_present

    visitor = (
        ChatVisitor.objects.filter(conversation_id=message.conversation_id)
        .order_by("-last_seen_at")
        .first()
    )
    chat = ChatSettings.objects.filter(inbox_id=message.conversation.inbox_id).first()
    if (
        visitor is None
        or chat is None
        or not visitor.email
        or message.is_auto_submitted
        or visitor_present(visitor, chat=chat)
    ):
        on_accepted()
        return
    message.to = [visitor.email]
    email = build_email(message)
    url = _absolute(reverse("chat:resume", args=[chat.public_key, resume_link_token(visitor)]))
    with translation.override(visitor_language(visitor, inbox=chat.inbox)):
        email.body = (
            message.body_text
            + "\n"
            + render_to_string("inboxes/chat/reply_footer.txt", {"url": url})
        )
    Message.objects.filter(pk=message.pk).update(to=[visitor.email])
    send_built_email(email, before_transmit=before_transmit, on_accepted=on_accepted)
