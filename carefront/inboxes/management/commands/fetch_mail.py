"""`manage.py fetch_mail [--forever]`: import new mail from every active IMAP account."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from carefront.inboxes.email.imap import imap_account_fetch, imap_poll_forever
from carefront.inboxes.models import ImapAccount


class Command(BaseCommand):
    help = _("Fetch new mail from the active IMAP accounts, once or continuously.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--forever",
            action="store_true",
            help=_("Keep running: IMAP IDLE where supported, else poll."),
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help=_("Seconds between checks when polling (default: 60)."),
        )
        parser.add_argument("--account", type=int, help=_("Only this IMAP account id."))

    def handle(self, *args, forever: bool, interval: float, account: int | None, **options):
        if forever:
            self._forever(interval)
            return
        accounts = ImapAccount.objects.select_related("inbox").filter(is_active=True)
        if account is not None:
            accounts = accounts.filter(pk=account)
        failed = 0
        for item in accounts:
            result = imap_account_fetch(account=item)
            if result.ok:
                counts = ", ".join(f"{k}: {v}" for k, v in sorted(result.outcomes.items()))
                self.stdout.write(
                    _("%(account)s: %(count)s new message(s) %(counts)s")
                    % {"account": item, "count": result.fetched, "counts": counts}
                )
            else:
                failed += 1
                self.stderr.write(
                    _("%(account)s: failed: %(error)s") % {"account": item, "error": result.error}
                )
        if failed:
            # Non-zero exit so cron and monitoring notice; the error is also on the account.
            raise CommandError(
                _("%(failed)s IMAP account(s) could not be fetched.") % {"failed": failed}
            )

    def _forever(self, interval: float) -> None:
        stop = threading.Event()

        def request_stop(signum, frame) -> None:
            stop.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        self.stdout.write(_("Watching IMAP accounts; press Ctrl-C to stop."))
        imap_poll_forever(stop=stop, interval=interval, rescan_accounts_every=interval)
