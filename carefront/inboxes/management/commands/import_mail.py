"""`manage.py import_mail PATH [--inbox NAME]`: import .eml files, a Maildir or an mbox."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from carefront.core.exceptions import ApplicationError
from carefront.inboxes.email.mail_import import ImportSummary, mail_import, mail_items
from carefront.inboxes.models import Inbox


class Command(BaseCommand):
    help = _("Import saved mail: a folder of .eml files, a Maildir (cur/new) or an mbox file.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help=_("File or folder to import."))
        parser.add_argument(
            "--inbox",
            help=_("Name of the inbox to import into (default: chosen from each recipient)."),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("Do not show a progress bar.")
        )

    def handle(self, *args, path: Path, inbox: str | None, no_progress: bool, **options) -> None:
        target = None
        if inbox:
            target = Inbox.objects.filter(name=inbox).first()
            if target is None:
                names = ", ".join(Inbox.objects.values_list("name", flat=True)) or "-"
                raise CommandError(
                    _("There is no inbox named %(name)r. Inboxes: %(names)s")
                    % {"name": inbox, "names": names}
                )
        try:
            total, _items = mail_items(path)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        with tqdm(
            total=total,
            unit="msg",
            file=sys.stderr,
            disable=no_progress,
            desc=_("Importing"),
        ) as bar:
            summary = ImportSummary()

            def progress(_ref: str) -> None:
                # The bar says as it goes how many were held and why.
                bar.set_postfix_str(summary.held_text(), refresh=False)
                bar.update()

            mail_import(path=path, inbox=target, on_progress=progress, summary=summary)
        self.stdout.write(
            _("%(summary)s (%(total)s messages from %(path)s).")
            % {"summary": summary.text(), "total": f"{summary.total:,}", "path": path}
        )
        self.stdout.write(summary.detail_text() + ".")
        if summary.held:
            self.stdout.write(
                _("Held messages are kept: find and release them under Admin > Held mail.")
            )
        if summary.counts.get("failed"):
            self.stderr.write(
                _("Some messages failed; see the log above. Run the import again to retry them.")
            )
