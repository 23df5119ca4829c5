from .digests import digest_send, digests_recover, notification_digests_flush
from .notifications import (
    notification_create,
    notification_mark_read,
    notification_preferences_update,
    notifications_create_for_escalation,
    notifications_mark_all_read,
)

__all__ = [
    "digest_send",
    "digests_recover",
    "notification_create",
    "notification_digests_flush",
    "notification_mark_read",
    "notification_preferences_update",
    "notifications_create_for_escalation",
    "notifications_mark_all_read",
]
