"""`manage.py quality_recheck`: re-check agent replies whose marks were made under other rules
(after an admin tuned the checks or an upgrade changed them), and check replies that were
never checked (a task lost to a crash right after the commit)."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.quality.services import replies_check_missing, replies_recheck


class Command(BaseCommand):
    help = _("Re-check agent replies checked under older rules, and check unchecked ones.")

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=90,
            help=_("Only replies sent in the last N days (default 90; 0: all)."),
        )
        parser.add_argument("--limit", type=int, default=None, help=_("At most N replies."))

    def handle(self, *args, **options) -> None:
        days = options["days"]
        if days < 0:
            self.stderr.write(_("--days must be 0 or more."))
            return
        since = timezone.now() - dt.timedelta(days=days) if days else None
        rechecked = replies_recheck(since=since, limit=options["limit"])
        missing = replies_check_missing(since=since, limit=options["limit"])
        self.stdout.write(
            _("%(rechecked)s reply(ies) re-checked, %(missing)s unchecked reply(ies) checked.")
            % {"rechecked": rechecked, "missing": missing}
        )
