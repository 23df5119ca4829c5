"""`manage.py outbox_flush`: send the replies that are due (for a scheduler, e.g. cron).

`serve` already does this every minute; deployments that run `db_worker` call this too, so a
reply whose task was lost still goes out. It first puts back the sends of dead workers.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from carefront.conversations.services.outbox import outbox_flush


class Command(BaseCommand):
    help = _("Send the replies that are due, and those whose sender died mid-send.")

    def handle(self, *args, **options) -> None:
        count = outbox_flush()
        self.stdout.write(_("%(n)s replies attempted.") % {"n": count})
