"""Held mail: inbound emails that did not become a visible message, and their release
(admins only; see docs/api.md and docs/admin-guide.md)."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from carefront.inboxes.models import HoldReason, RawInbound
from carefront.inboxes.selectors import (
    HELD_COUNT_CAP,
    held_mail_counts,
    held_mail_get,
    held_mail_list,
)
from carefront.inboxes.services import held_mail_release

from ..auth import caller
from ..schemas import MAX_PAGE_SIZE, ErrorOut, Id

router = Router(tags=["held mail"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
HoldReasonName = Literal[tuple(value for value in HoldReason.values if value)]  # type: ignore[valid-type]


class HeldMailFilterIn(Schema):
    reason: HoldReasonName | None = None
    q: str = Field("", max_length=200, description="A part of the sender or the subject.")
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=MAX_PAGE_SIZE)


class HeldMailOut(Schema):
    id: int
    reason: str
    error: str
    from_address: str
    subject: str
    sent_at: dt.datetime | None
    message_id: str
    source: str
    size: int
    received_at: dt.datetime
    released_at: dt.datetime | None


class HeldMailPage(Schema):
    items: list[HeldMailOut]
    next_cursor: str | None


class HeldMailCountsOut(Schema):
    total: int
    counts: dict[str, int] = Field(
        description="Held emails per reason, zeros included; each counted up to 10,000."
    )
    capped: bool = Field(
        description="True when a reason has more than 10,000: its count says 10,000 and means "
        "at least that many."
    )


class ReleaseOut(Schema):
    held_mail_id: int
    message_id: int
    conversation_id: int
    created: bool = Field(description="False: it was already shown (released before, or a copy).")


def _out(raw: RawInbound) -> dict:
    return {
        "id": raw.pk,
        "reason": raw.hold_reason,
        "error": raw.error,
        "from_address": raw.from_address,
        "subject": raw.subject,
        "sent_at": raw.sent_at,
        "message_id": raw.message_id,
        "source": raw.source,
        "size": raw.size,
        "received_at": raw.received_at,
        "released_at": raw.released_at,
    }


@router.get("/held-mail", response={200: HeldMailPage, **ERRORS})
def list_held_mail(request: HttpRequest, filters: Query[HeldMailFilterIn]):
    """Held emails, newest first; released ones leave the list."""
    page = held_mail_list(
        actor=caller(request),
        reason=filters.reason,
        query=filters.q,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [_out(raw) for raw in page.items], "next_cursor": page.next_cursor}


@router.get("/held-mail/counts", response={200: HeldMailCountsOut, **ERRORS})
def count_held_mail(request: HttpRequest):
    counts = held_mail_counts(actor=caller(request))
    capped = any(n > HELD_COUNT_CAP for n in counts.values())
    counts = {reason: min(n, HELD_COUNT_CAP) for reason, n in counts.items()}
    return {"total": sum(counts.values()), "counts": counts, "capped": capped}


@router.get("/held-mail/{held_mail_id}", response={200: HeldMailOut, **ERRORS})
def get_held_mail(request: HttpRequest, held_mail_id: Path[Id]):
    return _out(held_mail_get(actor=caller(request), raw_id=held_mail_id))


@router.post("/held-mail/{held_mail_id}/release", response={200: ReleaseOut, **ERRORS})
def release_held_mail(request: HttpRequest, held_mail_id: Path[Id]):
    """Show it as a message in a conversation. Idempotent: releasing again returns the same
    message with `created: false`."""
    result = held_mail_release(actor=caller(request), raw_id=held_mail_id)
    return {
        "held_mail_id": result.raw.pk,
        "message_id": result.message.pk,
        "conversation_id": result.message.conversation_id,
        "created": result.created,
    }
