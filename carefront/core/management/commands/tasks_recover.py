"""`manage.py tasks_recover`: put back the sends and tasks held by workers that died.

Workers do this themselves when they start and every minute; run it by hand after a crash,
or from a scheduler when no worker runs `serve` or `db_worker`.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from carefront.core.workers import workers_recover


class Command(BaseCommand):
    help = _("Put back the sends and queued tasks held by background workers that died.")

    def handle(self, *args, **options) -> None:
        recovery = workers_recover()
        for name, count in recovery.counts.items():
            self.stdout.write(_("%(name)s: %(count)s put back") % {"name": name, "count": count})
