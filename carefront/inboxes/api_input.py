"""The API channel's raw store: every message a program sends is kept exactly as it arrived.

The request is captured (request line, the headers worth keeping, body bytes) before anything
parses it, as a `RawInbound` of source "api". What "raw first" means here, where the caller
waits for the answer (unlike email, where the transport has already let go of the message):

- accepted: the raw row is inserted in the same transaction as the message it became
  (`Message.raw` points to it), so the two commit or vanish together, and the fast path costs
  one insert;
- refused or failed (bad JSON, schema, rule, server error): the row is written on its own,
  after the rollback, with the status and the error, so nothing a program sent is lost;
- the process dies mid-request: nothing was acknowledged; the caller sees a broken
  connection and sends again (safe with `external_id`).

The `Authorization` header and cookies are never stored.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from carefront.conversations.inbound import InboundMessage
from carefront.conversations.services import (
    Outcome,
    ReceiveItem,
    messages_receive,
    messages_receive_reads,
)
from carefront.core.combine import Combiner

from .models import Inbox, RawInbound, RawStatus
from .services import IngestResult

API_SOURCE = "api"
_ERROR_MAX_LENGTH = 2000
_STATUS_BY_OUTCOME = {Outcome.DUPLICATE: RawStatus.DUPLICATE, Outcome.REJECTED: RawStatus.REJECTED}
# Request headers worth keeping with the body (WSGI names). Credentials are not among them.
KEPT_HEADERS = {
    "CONTENT_TYPE": "Content-Type",
    "CONTENT_LENGTH": "Content-Length",
    "HTTP_USER_AGENT": "User-Agent",
    "HTTP_X_REQUEST_ID": "X-Request-Id",
    "HTTP_IDEMPOTENCY_KEY": "Idempotency-Key",
    "HTTP_X_FORWARDED_FOR": "X-Forwarded-For",
}


def api_input_capture(
    *, method: str, path: str, meta: dict, body: bytes, caller_ref: str
) -> RawInbound:
    """The request as an HTTP message, in an unsaved `RawInbound` (nothing is written yet).

    `meta` is the WSGI environ (`request.META`); `caller_ref` says who sent it ("token:12",
    "agent:3").
    """
    lines = [f"{method} {path} HTTP/1.1"]
    lines += [f"{name}: {meta[key]}" for key, name in KEPT_HEADERS.items() if meta.get(key)]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "replace") + body
    return RawInbound(
        source=API_SOURCE,
        source_ref=caller_ref[:500],
        data=data,
        size=len(body),
        status=RawStatus.RECEIVED,
    )


def api_message_receive(*, raw: RawInbound, inbox: Inbox, inbound: InboundMessage) -> IngestResult:
    """Store the raw request and the message it carries, in one transaction.

    Requests arriving at the same time in this process share a transaction (see
    core/combine.py); each still commits whole or not at all. If anything raises, `raw` is left
    unsaved again, ready for `api_input_refuse` to keep it with the error.
    """
    return _combiner.submit(ReceiveItem(inbox=inbox, inbound=inbound, raw=raw))


def _receive_batch(items: Sequence[ReceiveItem]) -> list[IngestResult]:
    raws = [item.raw for item in items]
    now = timezone.now()
    for item in items:
        item.raw.inbox = item.inbox
        # Written as processed: the row commits only together with the message. Another
        # outcome (duplicate, rejected) is one more statement, and rare.
        item.raw.status = RawStatus.PROCESSED
        item.raw.processed_at = now
    # Read first, outside the transaction: it holds SQLite's write lock from its first statement.
    reads = messages_receive_reads(items=list(items))
    try:
        with transaction.atomic():
            RawInbound.objects.bulk_create(raws)
            results = messages_receive(items=list(items), reads=reads)
            for raw, result in zip(raws, results, strict=True):
                status = _STATUS_BY_OUTCOME.get(result.outcome, RawStatus.PROCESSED)
                if status != RawStatus.PROCESSED or result.reason:
                    raw.status = status
                    raw.error = (result.reason or "")[:_ERROR_MAX_LENGTH]
                    raw.save(update_fields=["status", "error"])
    except BaseException:
        for raw in raws:
            raw.pk = None
            raw._state.adding = True
            raw.status = RawStatus.RECEIVED
            raw.error = ""
        raise
    return [
        IngestResult(
            raw=raw,
            status=RawStatus(raw.status),
            outcome=result.outcome,
            message=result.message,
            conversation=result.conversation,
            error=raw.error,
        )
        for raw, result in zip(raws, results, strict=True)
    ]


_combiner: Combiner[ReceiveItem, IngestResult] = Combiner(
    write_batch=_receive_batch, write_one=lambda item: _receive_batch([item])[0]
)


def api_input_refuse(*, raw: RawInbound, status: RawStatus, error: str) -> RawInbound:
    """Keep a request that went no further (refused, or failed on our side), with why."""
    raw.status = status
    raw.error = error[:_ERROR_MAX_LENGTH]
    raw.processed_at = timezone.now()
    if raw.pk is None:
        raw.save(force_insert=True)
    else:
        raw.save(update_fields=["status", "error", "processed_at"])
    return raw
