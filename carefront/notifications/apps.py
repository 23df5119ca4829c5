"""Notifications: tell agents, in the app and by email in batches, what needs them.

Its own app because several features notify (SLA escalation, follow-up promises, recovery tasks,
praise, training) and none of them should own the bell, the digest email or the preferences:
they call `notification_create` or publish an event this app subscribes to.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "carefront.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from carefront.core.workers import register_recovery

        from .handlers import connect
        from .services.digests import digests_recover

        connect()
        register_recovery("notification-digests", digests_recover)
