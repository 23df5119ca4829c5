"""`manage.py search_outcomes_settle`: turn help-centre searches whose results nobody opened
into content gaps (for a scheduler, with `db_worker`; the embedded `serve` does it every minute,
and the gaps page settles what is due when it opens)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from carefront.knowledge.services.signals import search_outcomes_settle


class Command(BaseCommand):
    help = _("Record help-centre searches whose results nobody opened as content gaps.")

    def handle(self, *args, **options) -> None:
        count = search_outcomes_settle()
        self.stdout.write(_("%(n)s search(es) settled.") % {"n": count})
