from .notifications import (
    DigestStatus,
    EmailDigest,
    Notification,
    NotificationKind,
    NotificationPreference,
)

__all__ = [
    "DigestStatus",
    "EmailDigest",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
]
