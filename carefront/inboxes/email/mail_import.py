"""Importing saved mail: a folder of .eml files, a Maildir (cur/new) or an mbox file.

Every message goes through `email_ingest`, like live mail. A file that cannot be read or stored
is counted as failed and the import goes on. A message that is stored but not shown (an
auto-reply to no conversation, a duplicate, ...) is counted under its hold reason.
"""

import logging
import mailbox
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carefront.conversations.services import Outcome
from carefront.core.exceptions import InvalidInput
from carefront.inboxes.models import HoldReason, Inbox
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


# What an ingested email became: shown (a kind of its own), held (its hold reason), or "failed":
# not stored at all (unreadable file, database down), so the next run imports it.
SHOWN_KINDS = ("created", "threaded", "delivery_report")
HELD_KINDS = tuple(reason for reason in HoldReason.values if reason)
FAILED = "failed"


def _held_label(kind: str, count: int) -> str:
    labels = {
        HoldReason.AUTO_REPLY: ngettext("%(n)s auto-reply", "%(n)s auto-replies", count),
        HoldReason.BOUNCE: ngettext("%(n)s bounce", "%(n)s bounces", count),
        HoldReason.DUPLICATE: ngettext("%(n)s duplicate", "%(n)s duplicates", count),
        HoldReason.EMPTY: ngettext("%(n)s empty", "%(n)s empty", count),
        HoldReason.TOO_LARGE: ngettext("%(n)s too large", "%(n)s too large", count),
        HoldReason.NO_INBOX: ngettext("%(n)s without an inbox", "%(n)s without an inbox", count),
        HoldReason.ERROR: ngettext("%(n)s not storable", "%(n)s not storable", count),
    }
    return labels.get(kind, f"%(n)s {kind}") % {"n": f"{count:,}"}


@dataclass
class ImportSummary:
    """Counts per kind (see `ingest_kind`), and the sentences that report them."""

    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def shown(self) -> int:
        return sum(self.counts[k] for k in SHOWN_KINDS)

    @property
    def held(self) -> int:
        return sum(self.counts[k] for k in HELD_KINDS)

    def add(self, kind: str) -> None:
        self.counts[kind] += 1

    def held_text(self) -> str:
        """ "held 1,618: 1,200 auto-replies, 400 duplicates, 18 bounces" (biggest first)."""
        if not self.held:
            return ""
        parts = [
            _held_label(kind, count)
            for kind, count in sorted(
                ((k, self.counts[k]) for k in HELD_KINDS if self.counts[k]), key=lambda i: -i[1]
            )
        ]
        return _("held %(n)s: %(reasons)s") % {"n": f"{self.held:,}", "reasons": ", ".join(parts)}

    def text(self) -> str:
        """One line: "Imported 882, held 1,618: 1,200 auto-replies, 400 duplicates, 18 bounces"."""
        line = _("Imported %(n)s") % {"n": f"{self.shown:,}"}
        held = self.held_text()
        if held:
            line = f"{line}, {held}"
        if self.counts[FAILED]:
            line += "; " + _("failed %(n)s") % {"n": f"{self.counts[FAILED]:,}"}
        return line

    def detail_text(self) -> str:
        """The shown ones, by kind: "700 new conversations, 182 replies threaded, ..."."""
        created, threaded = self.counts["created"], self.counts["threaded"]
        reports = self.counts["delivery_report"]
        parts = [
            ngettext("%(n)s new conversation", "%(n)s new conversations", created),
            ngettext("%(n)s reply threaded", "%(n)s replies threaded", threaded),
            ngettext(
                "%(n)s delivery report for our replies",
                "%(n)s delivery reports for our replies",
                reports,
            ),
        ]
        counts = (created, threaded, reports)
        return ", ".join(p % {"n": f"{n:,}"} for p, n in zip(parts, counts, strict=True))


def ingest_kind(result: IngestResult) -> str:
    """One word for a summary: created, threaded, delivery_report (a bounce that marked one of
    our replies as undelivered), or the hold reason of a held email (auto_reply, duplicate, ...).
    """
    if result.hold_reason:
        return result.hold_reason
    if result.outcome == Outcome.BOUNCE:
        return "delivery_report"
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
    summary: ImportSummary | None = None,
) -> ImportSummary:
    """Import every message under `path` into `inbox` (None: chosen from each message's
    recipients). Returns counts per outcome; `failed` counts files that could not be read or
    stored.

    Messages are ingested in batches (`emails_ingest`): the raw bytes of a batch are committed
    first, then its messages are received together, which is several times faster than one by
    one and threads exactly the same.
    """
    _total, items = mail_items(path)
    # The caller may pass its own summary to watch the counts grow (a progress bar).
    summary = summary if summary is not None else ImportSummary()
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
