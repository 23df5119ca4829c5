"""The caller's own notifications (SLA warnings and more): list them, mark them read, and
choose whether they also come by email (see docs/api.md and docs/agent-guide.md)."""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from carefront.notifications import selectors
from carefront.notifications.models import Notification
from carefront.notifications.selectors import (
    notification_page,
    notification_preferences_get,
    unread_notification_count,
)
from carefront.notifications.services import (
    notification_mark_read,
    notification_preferences_update,
    notifications_mark_all_read,
)
from carefront.notifications.texts import notification_due_at, notification_headline

from ..auth import caller
from ..schemas import MAX_ID, MAX_PAGE_SIZE, ErrorOut, Id

router = Router(tags=["notifications"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class NotificationFilterIn(Schema):
    unread: bool = Field(False, description="Only the unread ones.")
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=MAX_PAGE_SIZE)


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="sla_at_risk, sla_breached, follow_up_due, follow_up_broken, …")
    text: str = Field(description="What it says, in the site's language.")
    conversation_id: int | None
    conversation_subject: str | None
    due_at: dt.datetime | None = Field(description="The due time it is about, if any.")
    params: dict = Field(description="The details the text is made from (per kind).")
    created_at: dt.datetime
    read_at: dt.datetime | None
    emailed_at: dt.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread_count: int = Field(description="Unread notifications, counted up to 100.")
    unread_capped: bool = Field(description="True: there are at least 100 unread.")


class ReadAllIn(Schema):
    up_to_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Only those up to this id (the newest you showed); none: all unread.",
    )


class ReadAllOut(Schema):
    marked: int


class PreferencesIn(Schema):
    email: bool = Field(description="Also send notifications by email, batched.")


class PreferencesOut(Schema):
    email: bool


def _out(notification: Notification) -> dict:
    conversation = notification.conversation
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification_headline(notification),
        "conversation_id": notification.conversation_id,
        "conversation_subject": conversation.subject if conversation is not None else None,
        "due_at": notification_due_at(notification),
        "params": notification.params or {},
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "emailed_at": notification.emailed_at,
    }


@router.get("/notifications", response={200: NotificationPage, **ERRORS})
def list_notifications(request: HttpRequest, filters: Query[NotificationFilterIn]):
    """The caller's notifications, newest first."""
    actor = caller(request)
    page = notification_page(
        actor=actor, unread_only=filters.unread, cursor=filters.cursor, limit=filters.limit
    )
    unread = unread_notification_count(actor=actor)
    cap = selectors.UNREAD_COUNT_CAP
    return {
        "items": [_out(notification) for notification in page.items],
        "next_cursor": page.next_cursor,
        "unread_count": unread,
        "unread_capped": unread >= cap,
    }


@router.post("/notifications/read", response={200: ReadAllOut, **ERRORS})
def read_all_notifications(request: HttpRequest, payload: ReadAllIn):
    """Mark the caller's unread notifications read (up to `up_to_id` if given)."""
    marked = notifications_mark_all_read(actor=caller(request), up_to_id=payload.up_to_id)
    return {"marked": marked}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS})
def read_notification(request: HttpRequest, notification_id: Path[Id]):
    """Mark one notification read. Idempotent; another agent's is a 404."""
    notification = notification_mark_read(actor=caller(request), notification_id=notification_id)
    return _out(notification)


@router.get("/notifications/preferences", response={200: PreferencesOut, **ERRORS})
def get_notification_preferences(request: HttpRequest):
    return {"email": notification_preferences_get(agent=caller(request)).email_digest}


@router.put("/notifications/preferences", response={200: PreferencesOut, **ERRORS})
def set_notification_preferences(request: HttpRequest, payload: PreferencesIn):
    preference = notification_preferences_update(agent=caller(request), email_digest=payload.email)
    return {"email": preference.email_digest}
