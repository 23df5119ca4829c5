"""Importing saved mail: a folder of .eml files, a Maildir (cur/new) or an mbox file.

Every message goes through `email_ingest`, like live mail. A file that cannot be read or stored
is counted as failed and the import goes on.
"""

import logging
import mailbox
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from carefront.core.exceptions import InvalidInput
from carefront.inboxes.models import Inbox
from carefront.inboxes.services import IngestResult, email_ingest

logger = logging.getLogger(__name__)

SOURCE = "import"
MAILDIR_SUBDIRS = ("new", "cur")


@dataclass(frozen=True, slots=True)
class MailItem:
    """One message to import: where it came from, and how to read its bytes."""

    ref: str
    read: Callable[[], bytes]


@dataclass
class ImportSummary:
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, kind: str) -> None:
        self.counts[kind] += 1


def ingest_kind(result: IngestResult) -> str:
    """One word for a summary: created, threaded, duplicate, bounce, rejected or failed."""
    return str(result.outcome or result.status)


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in MAILDIR_SUBDIRS)


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def mail_items(path: Path) -> tuple[int, Iterator[MailItem]]:
    """How many messages `path` holds, and an iterator over them in a stable order."""
    if not path.exists():
        raise InvalidInput(_("%(path)s does not exist.") % {"path": path})
    if path.is_file():
        if _is_mbox(path):
            return _mbox_items(path)
        return 1, iter([MailItem(ref=str(path), read=path.read_bytes)])
    files = sorted(_folder_files(path))
    return len(files), (MailItem(ref=str(f), read=f.read_bytes) for f in files)


def _folder_files(root: Path) -> Iterator[Path]:
    """.eml files anywhere below `root`, and the messages of every Maildir (incl. subfolders)."""
    for item in root.rglob("*"):
        if not item.is_file() or item.name.startswith("."):
            continue
        parent = item.parent
        in_maildir = parent.name in MAILDIR_SUBDIRS and _is_maildir(parent.parent)
        if in_maildir or item.suffix.lower() == ".eml":
            yield item


def _mbox_items(path: Path) -> tuple[int, Iterator[MailItem]]:
    box = mailbox.mbox(path, create=False)
    keys = box.keys()

    def items() -> Iterator[MailItem]:
        try:
            for index, key in enumerate(keys):
                yield MailItem(
                    ref=f"{path}#{index + 1}", read=lambda key=key: box.get_bytes(key, from_=False)
                )
        finally:
            box.close()

    return len(keys), items()


def mail_import(
    *,
    path: Path,
    inbox: Inbox | None,
    on_progress: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Import every message under `path` into `inbox` (None: chosen from each message's
    recipients). Returns counts per outcome; `failed` counts files that could not be read or
    stored."""
    _total, items = mail_items(path)
    summary = ImportSummary()
    for item in items:
        try:
            data = item.read()
        except (OSError, KeyError, ValueError) as exc:
            logger.warning("Could not read %s: %s", item.ref, exc)
            summary.add("failed")
        else:
            try:
                result = email_ingest(inbox=inbox, data=data, source=SOURCE, source_ref=item.ref)
            except Exception:
                # A database error on one message must not end a long import; the file is
                # still on disk and a second run imports it (duplicates are dropped).
                logger.exception("Could not store %s", item.ref)
                summary.add("failed")
            else:
                summary.add(ingest_kind(result))
        if on_progress is not None:
            on_progress(item.ref)
    return summary
