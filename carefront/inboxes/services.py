"""Email ingestion: the one entry point every email transport (IMAP, SMTP, folder import) calls.

Order of work, so that nothing is ever lost: the raw bytes are committed first (`RawInbound`,
status "received"), then parsed, then handed to `message_receive`, then the raw row is marked.
A crash between the steps leaves a "received" row that `raw_inbound_retry` picks up again.

An email that does not become a visible message (an auto-reply or bounce that belongs to no
conversation, a duplicate, empty, too large, no inbox, a failure) is *held*: its raw row keeps a
`hold_reason`, and an admin finds it on the "Held mail" page and can release it
(`held_mail_release`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_admin
from carefront.conversations.inbound import InboundMessage
from carefront.conversations.models import Conversation, Message
from carefront.conversations.services import (
    Outcome,
    ReceiveItem,
    ReceiveResult,
    message_receive,
    message_stored,
    messages_receive,
    messages_receive_reads,
)
from carefront.core.db import bulk_update_rows
from carefront.core.exceptions import InvalidInput, NotFound

from .email.parsing import parse_email, recover_email
from .models import Channel, HoldReason, Inbox, RawInbound, RawStatus

logger = logging.getLogger(__name__)

_PLUS_TOKEN_RE = re.compile(r"\+[^@]*@")
_ERROR_MAX_LENGTH = 2000
# What a raw row's status change writes: its outcome and, for a row that is held, the parsed
# summary the held-mail list shows (a row shown as a message has the message instead: writing
# five more columns for each of them cost ingest time for nothing).
_OUTCOME_FIELDS = ["inbox", "status", "error", "processed_at", "hold_reason"]
_MARK_FIELDS = [*_OUTCOME_FIELDS, "from_address", "subject", "sent_at", "message_id", "fingerprint"]


def _mark_fields(raw: RawInbound) -> list[str]:
    return _MARK_FIELDS if raw.hold_reason else _OUTCOME_FIELDS


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What became of one inbound email. `raw` is always stored, whatever happened."""

    raw: RawInbound
    status: RawStatus
    outcome: Outcome | None = None
    message: Message | None = None
    conversation: Conversation | None = None
    error: str = ""

    @property
    def hold_reason(self) -> str:
        """Why it is held ("" when it became a message): one of `HoldReason`."""
        return self.raw.hold_reason

    @property
    def ok(self) -> bool:
        """Stored as a message (or already stored): the transport may acknowledge it."""
        return self.status in {RawStatus.PROCESSED, RawStatus.DUPLICATE}


def email_ingest(
    *, inbox: Inbox | None, data: bytes, source: str, source_ref: str = ""
) -> IngestResult:
    """Store one raw email and turn it into a message. Never raises for bad input.

    `inbox` None means: pick it from the recipients (To, Cc, Delivered-To, X-Original-To, with
    `+cf-token` plus-addressing ignored), else the first active email inbox. Call it outside
    any transaction: the raw row must be committed on its own before parsing starts.
    """
    raw = _raw_store(inbox=inbox, emails=[(data, source_ref)], source=source)[0]
    if raw.status == RawStatus.REJECTED:
        return IngestResult(raw=raw, status=RawStatus.REJECTED, error=raw.error)
    return _process(raw=raw, data=bytes(raw.data), inbox=inbox)


def emails_ingest(
    *, inbox: Inbox | None, emails: list[tuple[bytes, str]], source: str
) -> list[IngestResult]:
    """`email_ingest` for many emails (bytes, source ref) at once, for imports and backfills.

    The raw rows are committed first, in one statement; then all messages are received in one
    transaction with set-based queries. If that transaction fails, each email goes through the
    one-by-one path, which isolates the bad one. Results come back in input order.
    """
    raws = _raw_store(inbox=inbox, emails=emails, source=source)
    inboxes = active_email_inboxes() if inbox is None else None
    results: list[IngestResult | None] = [None] * len(raws)
    batch: list[tuple[int, ReceiveItem]] = []
    for index, raw in enumerate(raws):
        if raw.status == RawStatus.REJECTED:
            results[index] = IngestResult(raw=raw, status=RawStatus.REJECTED, error=raw.error)
            continue
        prepared = _prepare(raw=raw, data=bytes(raw.data), inbox=inbox, inboxes=inboxes)
        if isinstance(prepared, IngestResult):
            results[index] = prepared
        else:
            batch.append((index, prepared))
    items = [item for _, item in batch]
    try:
        # Read first, outside the transaction: it holds SQLite's write lock from its start.
        reads = messages_receive_reads(items=items)
        with transaction.atomic():
            received = messages_receive(items=items, reads=reads)
            marked = [
                _mark(item.raw, result) for (_, item), result in zip(batch, received, strict=True)
            ]
            held = [r.raw for r in marked if r.raw.hold_reason]
            bulk_update_rows([r.raw for r in marked if not r.raw.hold_reason], _OUTCOME_FIELDS)
            bulk_update_rows(held, _MARK_FIELDS)
    except Exception:
        logger.exception("Batch of %s emails failed; ingesting them one by one", len(batch))
        for index, item in batch:
            results[index] = _process(raw=item.raw, data=bytes(item.raw.data), inbox=item.inbox)
    else:
        for (index, _item), result in zip(batch, marked, strict=True):
            results[index] = result
    return results  # type: ignore[return-value]


def _raw_store(
    *, inbox: Inbox | None, emails: list[tuple[bytes, str]], source: str
) -> list[RawInbound]:
    """Commit the raw bytes before anything parses them. Oversized emails are kept, rejected."""
    limit = settings.CAREFRONT["MAX_MESSAGE_BYTES"]
    now = timezone.now()
    raws = []
    for data, source_ref in emails:
        data = bytes(data)
        raw = RawInbound(
            inbox=inbox,
            source=source[:32],
            source_ref=source_ref[:500],
            data=data,
            size=len(data),
            status=RawStatus.RECEIVED,
        )
        if len(data) > limit:
            raw.status = RawStatus.REJECTED
            raw.hold_reason = HoldReason.TOO_LARGE
            raw.error = _(
                "The message is %(size)s bytes, over the %(limit)s byte limit; kept unprocessed."
            ) % {"size": len(data), "limit": limit}
            raw.processed_at = now
        raws.append(raw)
    with transaction.atomic():
        RawInbound.objects.bulk_create(raws)
    for raw in raws:
        if raw.status == RawStatus.REJECTED:
            logger.warning(
                "Rejected inbound email %s from %s %r: %s bytes is over MAX_MESSAGE_BYTES (%s)",
                raw.pk,
                source,
                raw.source_ref,
                raw.size,
                limit,
            )
    return raws


def raw_inbound_retry(*, raw_id: int) -> IngestResult:
    """Process a stored raw email again (after a failure, or one left "received" by a crash).

    Rows already processed or found duplicate are returned as they are: retrying them would
    only find the same message again.
    """
    raw = RawInbound.objects.filter(pk=raw_id).first()
    if raw is None:
        raise NotFound(_("There is no stored inbound message %(id)s.") % {"id": raw_id})
    if raw.status in {RawStatus.PROCESSED, RawStatus.DUPLICATE}:
        raise InvalidInput(_("Inbound message %(id)s was already processed.") % {"id": raw_id})
    if raw.source == "api":
        # The program that sent it got the error in its answer and sends again itself.
        raise InvalidInput(_("Inbound message %(id)s came through the API.") % {"id": raw_id})
    data = bytes(raw.data)
    limit = settings.CAREFRONT["MAX_MESSAGE_BYTES"]
    if len(data) > limit:
        return IngestResult(raw=raw, status=RawStatus(raw.status), error=raw.error)
    return _process(raw=raw, data=data, inbox=raw.inbox)


def _prepare(
    *, raw: RawInbound, data: bytes, inbox: Inbox | None, inboxes: list[Inbox] | None = None
) -> ReceiveItem | IngestResult:
    """Parse a stored raw email and find its inbox; an IngestResult if it goes no further."""
    if not data.strip():
        return _finish(
            raw, RawStatus.REJECTED, error=_("The message is empty."), hold=HoldReason.EMPTY
        )
    inbound = _parse(raw, data)
    if inbox is None:
        inbox = inbox_for_recipients(
            addresses=[*inbound.to, *inbound.cc, *inbound.delivered_to], inboxes=inboxes
        )
        if inbox is None:
            return _finish(
                raw,
                RawStatus.FAILED,
                error=_("There is no active email inbox to put it in."),
                hold=HoldReason.NO_INBOX,
            )
        raw.inbox = inbox
    return ReceiveItem(inbox=inbox, inbound=inbound, raw=raw)


def _parse(raw: RawInbound, data: bytes) -> InboundMessage:
    """Parse the bytes and copy the summary held mail lists onto the raw row (not saved)."""
    try:
        inbound = parse_email(data)
    except Exception as exc:
        # Whatever broke the parser, the message is still shown, from what can be recovered.
        logger.exception("Could not parse inbound email %s; storing it as raw text", raw.pk)
        inbound = recover_email(data, reason=f"{type(exc).__name__}: {exc}")
    raw.from_address = inbound.from_address[:320]
    raw.subject = " ".join(inbound.subject.split())[:255]
    raw.sent_at = inbound.sent_at
    raw.message_id = inbound.message_id[:255]
    raw.fingerprint = inbound.fingerprint
    return inbound


def _process(*, raw: RawInbound, data: bytes, inbox: Inbox | None) -> IngestResult:
    prepared = _prepare(raw=raw, data=data, inbox=inbox)
    if isinstance(prepared, IngestResult):
        return prepared
    try:
        return _receive_and_mark(item=prepared)
    except Exception as exc:
        logger.exception("Could not store inbound email %s; retrying as raw text", raw.pk)
        error = f"{type(exc).__name__}: {exc}"
    try:
        # The parsed form may hold something the database refuses; the recovered form
        # (plain text, best-effort headers) still lets the agent see the message.
        prepared.inbound = recover_email(data, reason=error)
        return _receive_and_mark(item=prepared, error=error)
    except Exception as second:
        logger.exception("Could not store inbound email %s at all", raw.pk)
        return _finish(
            raw,
            RawStatus.FAILED,
            error=f"{error}\n{type(second).__name__}: {second}",
            hold=HoldReason.ERROR,
        )


def _receive_and_mark(*, item: ReceiveItem, error: str = "") -> IngestResult:
    """The message and its raw row's new status commit together: one transaction, and no
    window in which a stored message's raw row still says "received"."""
    with transaction.atomic():
        result = message_receive(inbox=item.inbox, inbound=item.inbound, raw=item.raw)
        marked = _mark(item.raw, result, error=error)
        item.raw.save(update_fields=_mark_fields(item.raw))
    _log(marked)
    return marked


def _mark(raw: RawInbound, result: ReceiveResult, *, error: str = "") -> IngestResult:
    """Set the raw row's status from what `message_receive` did (the caller saves it)."""
    if result.outcome == Outcome.DUPLICATE:
        status = RawStatus.DUPLICATE
    elif result.outcome == Outcome.REJECTED:
        status = RawStatus.REJECTED
    else:
        status = RawStatus.PROCESSED
    raw.status = status
    raw.hold_reason = result.hold_reason
    raw.error = "\n".join(e for e in (error, result.reason) if e)[:_ERROR_MAX_LENGTH]
    raw.processed_at = timezone.now()
    return IngestResult(
        raw=raw,
        status=status,
        outcome=result.outcome,
        message=result.message,
        conversation=result.conversation,
        error=raw.error,
    )


def _log(result: IngestResult) -> None:
    if result.status == RawStatus.FAILED:
        logger.error("Inbound email %s failed: %s", result.raw.pk, result.error)
    elif result.status == RawStatus.REJECTED:
        logger.info("Inbound email %s rejected: %s", result.raw.pk, result.error)


def _finish(
    raw: RawInbound, status: RawStatus, *, error: str = "", hold: HoldReason
) -> IngestResult:
    """Record that a raw email went no further than this (rejected or failed): it is held."""
    raw.status = status
    raw.hold_reason = hold
    raw.error = error[:_ERROR_MAX_LENGTH]
    raw.processed_at = timezone.now()
    raw.save(update_fields=_mark_fields(raw))
    result = IngestResult(raw=raw, status=status, error=error)
    _log(result)
    return result


def inbox_for_recipients(
    *, addresses: list[str], inboxes: list[Inbox] | None = None
) -> Inbox | None:
    """The inbox whose address is among the recipients, else the first active email inbox.

    `inboxes`: the active email inboxes, when the caller already has them (a batch looks them
    up once instead of once per message).
    """
    if inboxes is None:
        inboxes = active_email_inboxes()
    by_address = {inbox.email_address.lower(): inbox for inbox in inboxes if inbox.email_address}
    for address in addresses:
        address = address.strip().lower()
        for candidate in (address, _PLUS_TOKEN_RE.sub("@", address)):
            if candidate in by_address:
                return by_address[candidate]
    return inboxes[0] if inboxes else None


def active_email_inboxes() -> list[Inbox]:
    return list(Inbox.objects.filter(is_active=True, channel=Channel.EMAIL).order_by("pk"))


# --- held mail -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReleaseResult:
    """A released raw email's message. `created` False: it was already shown (released before,
    or a copy of a message that is stored), and `message` is that one."""

    raw: RawInbound
    message: Message
    created: bool


def held_mail_release(*, actor: Agent, raw_id: int) -> ReleaseResult:
    """Show a held email as a message in a conversation, as if it had been accepted.

    Idempotent: a second release (or a concurrent one) returns the message of the first. A
    duplicate of a stored message is not stored again: the stored one is returned.
    """
    require_admin(actor)
    with transaction.atomic():
        raw = RawInbound.objects.select_for_update().filter(pk=raw_id).first()
        if raw is None or not raw.hold_reason:
            raise NotFound(_("There is no held message %(id)s.") % {"id": raw_id})
        if raw.released_at is not None:
            message = held_mail_message(raw=raw)
            if message is None:
                raise InvalidInput(_("The message released from it was deleted."))
            return ReleaseResult(raw=raw, message=message, created=False)
        data = bytes(raw.data)
        if not data.strip():
            raise InvalidInput(_("This message is empty: there is nothing to show."))
        inbound = _parse(raw, data)
        inbox = raw.inbox or inbox_for_recipients(
            addresses=[*inbound.to, *inbound.cc, *inbound.delivered_to]
        )
        if inbox is None:
            raise InvalidInput(_("There is no active email inbox to put it in: create one first."))
        message = message_stored(message_id=inbound.message_id, fingerprint=inbound.fingerprint)
        created = message is None
        if message is None:
            result = message_receive(inbox=inbox, inbound=inbound, raw=raw, release=True)
            message = result.message or message_stored(
                message_id=inbound.message_id, fingerprint=inbound.fingerprint
            )
            created = result.outcome in {Outcome.CREATED, Outcome.THREADED}
            if message is None:  # pragma: no cover - released messages always land somewhere
                raise InvalidInput(_("This message could not be released."))
        raw.inbox = inbox
        raw.status = RawStatus.PROCESSED if created else RawStatus.DUPLICATE
        raw.released_at = timezone.now()
        raw.released_by = actor
        raw.save(update_fields=[*_MARK_FIELDS, "released_at", "released_by"])
    logger.info("Held email %s released by %s as message %s", raw.pk, actor.pk, message.pk)
    return ReleaseResult(raw=raw, message=message, created=created)


def held_mail_message(*, raw: RawInbound) -> Message | None:
    """The message a raw email is shown as: made from it, or the stored copy it duplicates."""
    made = Message.objects.filter(raw=raw).order_by("pk").first()
    if made is not None:
        return made
    return message_stored(message_id=raw.message_id, fingerprint=raw.fingerprint)
