"""Importing saved mail: a folder of mail files, a Maildir (cur/new) or an mbox file.

In a folder, a file is taken by its content, not its name: `.eml` files, and any other file
(`.box`, `.txt`, `.msg.txt`, no extension) that starts with a header block or is an mbox.
Files that are not mail are skipped, each with its reason. Every message goes through
`email_ingest`, like live mail. A file that cannot be read or stored is counted as failed and
the import goes on. A message that is stored but not shown (an auto-reply to no conversation,
a duplicate, ...) is counted under its hold reason.
"""

import logging
import mailbox
import re
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


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file in an imported folder that was not taken as mail, and why."""

    path: str
    reason: str


@dataclass
class ImportSummary:
    """Counts per kind (see `ingest_kind`), and the sentences that report them."""

    counts: Counter = field(default_factory=Counter)
    skipped: list[SkippedFile] = field(default_factory=list)

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


# A header field line (RFC 5322 2.2); a mail file starts with a block of them.
_FIELD_RE = re.compile(rb"^[!-9;-~]+[ \t]*:")
# Fields every mail has at least one of; "Note: ..." in a text file is not enough.
_MAIL_FIELD_RE = re.compile(
    rb"^(?:from|to|subject|date|message-id|received|return-path|mime-version|delivered-to|"
    rb"sender|reply-to|cc|x-mailer|content-type)[ \t]*:",
    re.IGNORECASE,
)
_SNIFF_BYTES = 16384
_MAX_BANNER_LINES = 3  # "---------- Forwarded message ---------" before the headers


def sniff_mail(head: bytes) -> str:
    """What the first bytes of a file are: "mbox", "mail", or why they are not mail."""
    if not head.strip():
        return _("empty file")
    if head.startswith(b"From "):
        return "mbox"
    if b"\x00" in head[:1024]:
        return _("binary file, not mail")
    lines = head.lstrip(b"\xef\xbb\xbf\r\n").split(b"\n")
    fields = mail_fields = banner = 0
    for line in lines[:200]:
        line = line.rstrip(b"\r")
        if not line:
            break
        if _FIELD_RE.match(line):
            fields += 1
            mail_fields += bool(_MAIL_FIELD_RE.match(line))
        elif line[:1] in (b" ", b"\t") and fields:
            continue
        elif not fields and banner < _MAX_BANNER_LINES:
            banner += 1
        elif not fields:
            break
    if mail_fields and fields >= 2:
        return "mail"
    return _("no email header block at the start")


def mail_items(
    path: Path, skipped: list[SkippedFile] | None = None
) -> tuple[int, Iterator[MailItem]]:
    """How many messages `path` holds, and an iterator over them in a stable order.

    Files of a folder that are not mail are appended to `skipped`, with the reason.
    """
    if not path.exists():
        raise InvalidInput(_("%(path)s does not exist.") % {"path": path})
    if path.is_file():
        if _is_mbox(path):
            return _mbox_items(path)
        return 1, iter([MailItem(ref=str(path), read=path.read_bytes)])
    files: list[Path] = []
    boxes: list[tuple[int, Iterator[MailItem]]] = []
    found = _folder_files(path, skipped if skipped is not None else [])
    for item, kind in sorted(found, key=lambda pair: pair[0]):
        if kind == "mbox":
            boxes.append(_mbox_items(item))
        else:
            files.append(item)
    total = len(files) + sum(count for count, _items in boxes)
    items = (MailItem(ref=str(f), read=f.read_bytes) for f in files)
    return total, _chain(items, *(box for _count, box in boxes))


def _chain(*iterators: Iterator[MailItem]) -> Iterator[MailItem]:
    for iterator in iterators:
        yield from iterator


def _folder_files(root: Path, skipped: list[SkippedFile]) -> Iterator[tuple[Path, str]]:
    """The mail files anywhere below `root` with their kind ("mail" or "mbox"): the messages of
    every Maildir (incl. subfolders), `.eml` files, and other files whose content is mail."""
    for item in root.rglob("*"):
        if not item.is_file():
            continue
        if item.name.startswith("."):
            skipped.append(SkippedFile(str(item), _("hidden file")))
            continue
        parent = item.parent
        if item.suffix.lower() == ".eml" or (
            parent.name in MAILDIR_SUBDIRS and _is_maildir(parent.parent)
        ):
            # Named or filed as mail: imported without a look; whatever is broken in it, the
            # parser recovers what it can and says so.
            yield item, "mail"
            continue
        try:
            with item.open("rb") as handle:
                head = handle.read(_SNIFF_BYTES)
        except OSError as exc:
            skipped.append(SkippedFile(str(item), _("unreadable: %(error)s") % {"error": exc}))
            continue
        kind = sniff_mail(head)
        if kind in {"mail", "mbox"}:
            yield item, kind
        else:
            skipped.append(SkippedFile(str(item), kind))


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
    # The caller may pass its own summary to watch the counts grow (a progress bar).
    summary = summary if summary is not None else ImportSummary()
    _total, items = mail_items(path, summary.skipped)
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
