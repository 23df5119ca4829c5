"""`manage.py acknowledgements_flush`: judge the reply-time promises whose time has passed and
whose timer was lost (for a scheduler; `serve` runs it every few seconds)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from carefront.sla.services.acknowledgements import acknowledgements_flush


class Command(BaseCommand):
    help = _("Judge the acknowledgements whose promised reply time has passed.")

    def handle(self, *args, **options) -> None:
        count = acknowledgements_flush()
        self.stdout.write(_("%(n)s acknowledgement(s) judged.") % {"n": count})
