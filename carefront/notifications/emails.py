"""The notification email: one per digest, listing each notification with a link, in the
agent's language and time zone."""

import zoneinfo
from dataclasses import dataclass
from email.utils import format_datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carefront.accounts.models import Agent

from .models import EmailDigest, Notification
from .texts import notification_due_at, notification_headline, notification_note, recipient_language


@dataclass(frozen=True)
class DigestItem:
    headline: str
    conversation_label: str
    due: str
    note: str
    url: str


def absolute_url(path: str) -> str:
    """A link for an email: CAREFRONT_BASE_URL + path (the path alone when it is not set)."""
    return settings.CAREFRONT.get("BASE_URL", "") + path


def _agent_zone(agent: Agent) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(agent.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _item(notification: Notification) -> DigestItem:
    conversation = notification.conversation
    label = ""
    if conversation is not None:
        label = f"#{conversation.pk} {conversation.subject or _('(no subject)')}"
    due_at = notification_due_at(notification)
    due = formats.date_format(timezone.localtime(due_at), "DATETIME_FORMAT") if due_at else ""
    path = reverse("web:notification_open", args=[notification.pk])
    return DigestItem(
        headline=notification_headline(notification),
        conversation_label=label,
        due=due,
        note=notification_note(notification),
        url=absolute_url(path),
    )


def build_digest_email(
    *, digest: EmailDigest, recipient: Agent, notifications: list[Notification]
) -> EmailMultiAlternatives:
    with (
        translation.override(recipient_language(recipient)),
        timezone.override(_agent_zone(recipient)),
    ):
        items = [_item(notification) for notification in notifications]
        count = len(items)
        if count == 1:
            subject = items[0].headline
            if items[0].conversation_label:
                subject = f"{subject}: {items[0].conversation_label}"
        else:
            subject = ngettext("%(n)s new notification", "%(n)s new notifications", count) % {
                "n": count
            }
        context = {
            "recipient": recipient,
            "items": items,
            "count": count,
            "notifications_url": absolute_url(reverse("web:notifications")),
            "profile_url": absolute_url(reverse("web:profile")),
        }
        text = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
        subject = _("Carefront: %(subject)s") % {"subject": subject}
    email = EmailMultiAlternatives(
        subject=subject[:250],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "Message-ID": f"<{digest.message_id}>",
            "Date": format_datetime(timezone.now()),
            # RFC 3834: automatic, so that out-of-office replies stay quiet.
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    return email
