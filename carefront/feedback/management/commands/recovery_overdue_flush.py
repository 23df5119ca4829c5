"""`manage.py recovery_overdue_flush`: find recovery tasks past their due time (for a scheduler,
with `db_worker`; the embedded `serve` does it every minute)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from carefront.feedback.services import recovery_overdue_flush


class Command(BaseCommand):
    help = _("Mark open recovery tasks past their due time as overdue (publishes RecoveryOverdue).")

    def handle(self, *args, **options) -> None:
        count = recovery_overdue_flush()
        self.stdout.write(_("%(n)s recovery task(s) found overdue.") % {"n": count})
