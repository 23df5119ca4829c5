"""`manage.py coaching_reminders_flush`: send the coaching follow-up reminders that are due (for a
scheduler, with `db_worker`; the embedded `serve` does it every minute)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from carefront.quality.services import coaching_reminders_flush


class Command(BaseCommand):
    help = _("Send the coaching follow-up reminders that are due.")

    def handle(self, *args, **options) -> None:
        count = coaching_reminders_flush()
        self.stdout.write(_("%(n)s coaching reminder(s) sent.") % {"n": count})
