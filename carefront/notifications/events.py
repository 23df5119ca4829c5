"""Typed events the notifications app publishes (after commit): for live updates of the bell
and for integrations."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NotificationCreated:
    notification_id: int
    recipient_id: int
    kind: str
    conversation_id: int | None


@dataclass(frozen=True, slots=True)
class NotificationsRead:
    """An agent read one notification, or all of them (`notification_id` None)."""

    recipient_id: int
    notification_id: int | None
    count: int
