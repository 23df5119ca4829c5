"""Admin area: "Held mail", every inbound email that did not become a visible message (an
auto-reply or bounce that belongs to no conversation, a duplicate, empty, too large, no inbox,
a failure). Admins list, search, open (sanitised), download and release them."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carefront.inboxes.email.parsing import parse_email, recover_email
from carefront.inboxes.models import HoldReason
from carefront.inboxes.selectors import (
    HELD_COUNT_CAP,
    held_mail_counts,
    held_mail_get,
    held_mail_list,
)
from carefront.inboxes.services import held_mail_message, held_mail_release
from carefront.web.errors import admin_view
from carefront.web.views.files import _harden


def _count_text(count: int, *, capped: bool = False) -> str:
    if count > HELD_COUNT_CAP or capped:
        return f"{min(count, HELD_COUNT_CAP):,}+"
    return f"{count:,}"


def message_url(message) -> str:
    return reverse("web:conversation", args=[message.conversation_id]) + f"#message-{message.pk}"


@require_GET
@admin_view
def held_mail_index(request: HttpRequest) -> HttpResponse:
    reason = request.GET.get("reason") or None
    if reason not in HoldReason.values:
        reason = None
    query = request.GET.get("q", "").strip()
    page = held_mail_list(
        actor=request.user, reason=reason, query=query, cursor=request.GET.get("cursor") or None
    )
    counts = held_mail_counts(actor=request.user)
    context = {
        "rows": page.items,
        "next_cursor": page.next_cursor,
        "first_page": not request.GET.get("cursor"),
        "reason": reason or "",
        "query": query,
        "reasons": [
            (value, label, _count_text(counts[value]))
            for value, label in HoldReason.choices
            if value
        ],
        "total": _count_text(
            sum(counts.values()), capped=any(n > HELD_COUNT_CAP for n in counts.values())
        ),
    }
    return render(request, "web/manage/held_mail.html", context)


@require_GET
@admin_view
def held_mail_detail(request: HttpRequest, raw_id: int) -> HttpResponse:
    raw = held_mail_get(actor=request.user, raw_id=raw_id)
    data = bytes(raw.data)
    inbound = None
    if data.strip() and len(data) <= settings.CAREFRONT["MAX_MESSAGE_BYTES"]:
        try:
            inbound = parse_email(data)
        except Exception as exc:  # the parser's own last resort, as ingestion does
            inbound = recover_email(data, reason=f"{type(exc).__name__}: {exc}")
    shown = (
        held_mail_message(raw=raw) if raw.released_at or raw.hold_reason == "duplicate" else None
    )
    context = {
        "raw": raw,
        # Only the text is shown: the HTML part, even sanitised, is not rendered here.
        "inbound": inbound,
        "shown": shown,
        "shown_url": message_url(shown) if shown else "",
        "can_release": raw.released_at is None and bool(data.strip()),
    }
    return render(request, "web/manage/held_mail_detail.html", context)


@require_GET
@admin_view
def held_mail_download(request: HttpRequest, raw_id: int) -> HttpResponse:
    raw = held_mail_get(actor=request.user, raw_id=raw_id)
    response = HttpResponse(bytes(raw.data), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="held-{raw.pk}.eml"'
    return _harden(response)


@require_POST
@admin_view
def held_mail_release_view(request: HttpRequest, raw_id: int) -> HttpResponse:
    result = held_mail_release(actor=request.user, raw_id=raw_id)
    if result.created:
        messages.success(request, _("The message is released into the conversation."))
    else:
        messages.info(request, _("This message is already shown in the conversation."))
    return redirect(message_url(result.message))
