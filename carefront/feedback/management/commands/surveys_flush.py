"""`manage.py surveys_flush`: send the satisfaction surveys that are due (for a scheduler)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from carefront.feedback.services import surveys_flush


class Command(BaseCommand):
    help = _("Send the satisfaction surveys that are due and revive stuck ones.")

    def handle(self, *args, **options) -> None:
        count = surveys_flush()
        self.stdout.write(_("%(n)s survey(s) handled.") % {"n": count})
