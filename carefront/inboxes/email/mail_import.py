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
from carefront.inboxes.services import IngestResult, emails_ingest

logger = logging.getLogger(__name__)

SOURCE = "import"
MAILDIR_SUBDIRS = ("new", "cur")
# Messages received per transaction: big enough to amortise queries, small enough to keep
# memory and lock time low.
BATCH_SIZE = 200


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
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import every message under `path` into `inbox` (None: chosen from each message's
    recipients). Returns counts per outcome; `failed` counts files that could not be read or
    stored.

    Messages are ingested in batches (`emails_ingest`): the raw bytes of a batch are committed
    first, then its messages are received together, which is several times faster than one by
    one and threads exactly the same.
    """
    _total, items = mail_items(path)
    summary = ImportSummary()
    batch: list[tuple[bytes, str]] = []

    def flush() -> None:
        try:
            results = emails_ingest(inbox=inbox, emails=batch, source=SOURCE)
        except Exception:
            # A database error must not end a long import; the files are still on disk and a
            # second run imports them (duplicates are dropped).
            logger.exception("Could not store %s messages from %s", len(batch), batch[0][1])
            for _data, ref in batch:
                summary.add("failed")
                if on_progress is not None:
                    on_progress(ref)
        else:
            for (_data, ref), result in zip(batch, results, strict=True):
                summary.add(ingest_kind(result))
                if on_progress is not None:
                    on_progress(ref)
        batch.clear()

    for item in items:
        try:
            data = item.read()
        except (OSError, KeyError, ValueError) as exc:
            logger.warning("Could not read %s: %s", item.ref, exc)
            summary.add("failed")
            if on_progress is not None:
                on_progress(item.ref)
            continue
        batch.append((data, item.ref))
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return summary
