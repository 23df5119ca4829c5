"""`manage.py import_mail PATH [--inbox NAME]`: import mail files, a Maildir or an mbox.

Files of a folder that are not mail are listed with the reason; the command fails (exit
status 1) when a non-empty folder yielded no message at all.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from carefront.core.exceptions import ApplicationError
from carefront.inboxes.email.mail_import import ImportSummary, mail_import, mail_items
from carefront.inboxes.models import Inbox

MAX_SKIPPED_LISTED = 20


class Command(BaseCommand):
    help = _(
        "Import saved mail: a folder of mail files (recognised by their content, whatever "
        "their name), a Maildir (cur/new) or an mbox file."
    )

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
            ngettext(
                "%(summary)s (%(total)s message from %(path)s).",
                "%(summary)s (%(total)s messages from %(path)s).",
                summary.total,
            )
            % {"summary": summary.text(), "total": f"{summary.total:,}", "path": path}
        )
        self.stdout.write(summary.detail_text() + ".")
        if summary.held:
            self.stdout.write(
                _("Held messages are kept: find and release them under Admin > Held mail.")
            )
        if summary.skipped:
            self.stderr.write(
                _("Skipped %(count)s files that are not mail:") % {"count": len(summary.skipped)}
            )
            for skipped in summary.skipped[:MAX_SKIPPED_LISTED]:
                self.stderr.write(f"  {skipped.path}: {skipped.reason}")
            if len(summary.skipped) > MAX_SKIPPED_LISTED:
                self.stderr.write(
                    _("  ... and %(count)s more")
                    % {"count": len(summary.skipped) - MAX_SKIPPED_LISTED}
                )
        if summary.counts.get("failed"):
            self.stderr.write(
                _("Some messages failed; see the log above. Run the import again to retry them.")
            )
        stored = summary.total - summary.counts.get("failed", 0)
        if not stored and (summary.skipped or summary.counts.get("failed")):
            raise CommandError(_("Nothing was imported from %(path)s.") % {"path": path})
