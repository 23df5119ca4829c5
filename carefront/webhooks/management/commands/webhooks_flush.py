"""`manage.py webhooks_flush`: send webhook deliveries that are due (for a scheduler, e.g. cron).

`serve` already does this every minute; deployments that run `db_worker` instead call this.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from carefront.webhooks.services import webhook_flush


class Command(BaseCommand):
    help = _("Send webhook deliveries that are due and whose task was lost.")

    def handle(self, *args, **options) -> None:
        count = webhook_flush()
        self.stdout.write(_("%(n)s webhook deliveries attempted.") % {"n": count})
