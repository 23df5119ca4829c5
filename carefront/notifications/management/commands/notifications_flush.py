"""`manage.py notifications_flush`: send the notification emails that are due (for a scheduler)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from carefront.notifications.services import notification_digests_flush


class Command(BaseCommand):
    help = _("Send the notification emails that are due and recover those of dead workers.")

    def handle(self, *args, **options) -> None:
        count = notification_digests_flush()
        self.stdout.write(_("%(n)s notification email(s) handled.") % {"n": count})
