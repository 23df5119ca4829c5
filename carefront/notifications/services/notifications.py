"""Creating notifications (idempotent per recipient and subject) and marking them read."""

import datetime as dt
import json
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.conversations.models import Conversation
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput

from ..events import NotificationCreated, NotificationsRead
from ..models import Notification, NotificationKind, NotificationPreference
from ..selectors import UNREAD, escalation_recipients, notification_get, wants_email
from .digests import digest_to_join

logger = logging.getLogger(__name__)

MAX_DEDUPE_KEY_LENGTH = 200
MAX_PARAMS_BYTES = 4000


def _clean_params(params: dict) -> dict:
    try:
        encoded = json.dumps(params)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(_("A notification's details must be plain JSON values.")) from exc
    if len(encoded) > MAX_PARAMS_BYTES:
        raise InvalidInput(_("A notification's details are too long."))
    return json.loads(encoded)


def notification_create(
    *,
    recipient: Agent,
    kind: str,
    conversation_id: int | None = None,
    dedupe_key: str,
    now: dt.datetime | None = None,
    **params: object,
) -> Notification | None:
    """Tell `recipient` about something, once: None when a notification with this
    `dedupe_key` was already made for them (or they are deactivated).

    Parameters become the text when it is shown (texts.py); a `due_at` is an aware datetime
    or ISO 8601 text. If the recipient wants email, the notification joins their waiting
    digest, or opens one due after CAREFRONT["NOTIFICATION_EMAIL_DELAY_SECONDS"].
    """
    if kind not in NotificationKind.values:
        raise InvalidInput(_("Unknown kind of notification: %(kind)s") % {"kind": kind})
    dedupe_key = (dedupe_key or "").strip()
    if not dedupe_key or len(dedupe_key) > MAX_DEDUPE_KEY_LENGTH:
        raise InvalidInput(_("A notification needs a key of at most 200 characters."))
    if isinstance(params.get("due_at"), dt.datetime):
        params["due_at"] = params["due_at"].isoformat()
    params = _clean_params(params)
    if not recipient.is_active:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        if Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists():
            return None
        digest = None
        if wants_email(agent=recipient):
            digest = digest_to_join(recipient=recipient, now=now)
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient,
                    kind=kind,
                    conversation_id=conversation_id,
                    params=params,
                    dedupe_key=dedupe_key,
                    digest=digest,
                )
        except IntegrityError:
            # The same notification, made at the same moment by another process.
            return None
        UNREAD.changed()
        publish(
            NotificationCreated(
                notification_id=notification.pk,
                recipient_id=recipient.pk,
                kind=kind,
                conversation_id=conversation_id,
            )
        )
    return notification


def notifications_create_for_escalation(
    *, conversation_id: int, kind: str, dedupe_key: str, **params: object
) -> list[Notification]:
    """Notify a conversation's assignee and its team's leads (selectors.escalation_recipients),
    each once for `dedupe_key`. Returns the notifications made (none for those already told)."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return []
    made = []
    for recipient in escalation_recipients(conversation=conversation):
        notification = notification_create(
            recipient=recipient,
            kind=kind,
            conversation_id=conversation.pk,
            dedupe_key=dedupe_key,
            **params,
        )
        if notification is not None:
            made.append(notification)
    return made


def notification_mark_read(*, actor: Agent, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read (again: no change)."""
    notification = notification_get(actor=actor, notification_id=notification_id)
    if notification.read_at is None:
        now = timezone.now()
        updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now
        )
        notification.read_at = now
        if updated:
            UNREAD.changed()
            publish(
                NotificationsRead(recipient_id=actor.pk, notification_id=notification.pk, count=1)
            )
    return notification


def notifications_mark_all_read(*, actor: Agent, up_to_id: int | None = None) -> int:
    """Mark the actor's unread notifications read; with `up_to_id`, only those up to it (the
    newest the agent saw), so that one arriving meanwhile stays unread. Returns how many."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if up_to_id is not None:
        unread = unread.filter(pk__lte=up_to_id)
    count = unread.update(read_at=timezone.now())
    if count:
        UNREAD.changed()
        publish(NotificationsRead(recipient_id=actor.pk, notification_id=None, count=count))
    return count


def notification_preferences_update(*, agent: Agent, email_digest: bool) -> NotificationPreference:
    """The agent's choice of getting notifications by email. Turned off, a digest that waits
    is not sent (digest_send checks again when it is due)."""
    preference, _created = NotificationPreference.objects.update_or_create(
        agent=agent, defaults={"email_digest": bool(email_digest)}
    )
    return preference
