"""Reads on notifications, always the acting agent's own."""

import datetime as dt

from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role
from carefront.conversations.models import Conversation
from carefront.conversations.selectors import after_keyset
from carefront.core.exceptions import NotFound
from carefront.core.generations import Generation
from carefront.core.pagination import (
    NewestFirstPage,
    aware_datetime,
    cursor_encode,
    keyset_cursor_decode,
)

from .models import Notification, NotificationPreference

PAGE_SIZE = 25
# The bell counts up to this many and then says "99+": the count reads at most this many index
# entries of the unread-only index, whatever the number of notifications.
UNREAD_COUNT_CAP = 100
# Moves on whenever a notification is created or read (services.notifications): the bell's
# cached count is used while it stands, so a page costs no query for it in between.
UNREAD = Generation("notifications-unread")
UNREAD_COUNT_SECONDS = 300


def notification_page(
    *, actor: Agent, unread_only: bool = False, cursor: str | None = None, limit: int = PAGE_SIZE
) -> NewestFirstPage[Notification]:
    """One page of the actor's notifications, newest first, keyset on `(created_at, id)`.

    Not on the id alone: PostgreSQL may then walk the primary key backwards and filter, and for
    an agent who has read everything (the "unread" list is empty) it reads the whole table to
    find that out (60 ms at 100,000 rows). No other index gives `created_at` order, so the
    recipient's own index is walked and the page costs the rows it shows."""
    qs = Notification.objects.filter(recipient=actor).select_related("conversation")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    kind = "notifications-unread" if unread_only else "notifications"
    if cursor:
        created_at, last_id = _decode_cursor(cursor, kind=kind)
        qs = qs.filter(after_keyset("created_at", created_at, last_id, descending=True))
    rows = list(qs.order_by("-created_at", "-id")[: limit + 1])
    if len(rows) <= limit:
        return NewestFirstPage(items=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    return NewestFirstPage(items=rows, next_cursor=_encode_cursor(last, kind=kind))


def _encode_cursor(last: Notification, *, kind: str) -> str:
    values = [kind, last.created_at.isoformat(), last.pk]
    return cursor_encode(values)


def _decode_cursor(cursor: str, *, kind: str) -> tuple[dt.datetime, int]:
    """A bad cursor, or one of the other list, is InvalidInput (a 400)."""
    created_at, pk = keyset_cursor_decode(cursor, kind=kind, key=aware_datetime)
    return created_at.astimezone(dt.UTC), pk


def notification_get(*, actor: Agent, notification_id: int) -> Notification:
    """The actor's own notification; anyone else's does not exist (404, not 403)."""
    notification = (
        Notification.objects.filter(pk=notification_id, recipient=actor)
        .select_related("conversation")
        .first()
    )
    if notification is None:
        raise NotFound(_("There is no such notification."))
    return notification


def unread_notification_count(*, actor: Agent) -> int:
    """How many unread notifications the actor has, up to UNREAD_COUNT_CAP; from the cache
    while nothing changed (no query), else one bounded COUNT."""
    key = UNREAD.key("unread", actor.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=actor, read_at__isnull=True)[
            :UNREAD_COUNT_CAP
        ].count()
        cache.set(key, count, UNREAD_COUNT_SECONDS)
    return count


def unread_badge(*, actor: Agent) -> dict:
    """What the bell shows: the count, and its text ("" for none, "99+" at the cap)."""
    count = unread_notification_count(actor=actor)
    if not count:
        text = ""
    elif count >= UNREAD_COUNT_CAP:
        text = f"{UNREAD_COUNT_CAP - 1}+"
    else:
        text = str(count)
    return {"unread_count": count, "unread_text": text}


def wants_email(*, agent: Agent) -> bool:
    """Whether the agent gets notifications by email (on unless they turned it off)."""
    if not agent.is_active or not agent.email:
        return False
    preference = NotificationPreference.objects.filter(agent=agent).first()
    return preference is None or preference.email_digest


def notification_preferences_get(*, agent: Agent) -> NotificationPreference:
    """The agent's preferences; the defaults (unsaved) when they never changed them."""
    return NotificationPreference.objects.filter(agent=agent).first() or NotificationPreference(
        agent=agent
    )


def escalation_recipients(*, conversation: Conversation) -> list[Agent]:
    """Who hears about a conversation's SLA trouble: its assignee and the leads of its team; a
    conversation without a team, the leads of the teams that answer its inbox. Active agents
    only, each once, the assignee first."""
    leads = Agent.objects.filter(role=Role.LEAD, is_active=True)
    if conversation.team_id is not None:
        leads = leads.filter(teams=conversation.team_id)
    else:
        leads = leads.filter(teams__inboxes=conversation.inbox_id)
    condition = Q(pk__in=leads.values("pk"))
    if conversation.assignee_id is not None:
        condition |= Q(pk=conversation.assignee_id, is_active=True)
    recipients = list(Agent.objects.filter(condition).order_by("name", "id"))
    recipients.sort(key=lambda agent: agent.pk != conversation.assignee_id)
    return recipients
