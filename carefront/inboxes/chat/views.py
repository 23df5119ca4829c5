"""The chat widget's HTTP endpoints (docs/chat.md): JSON, called from other sites' pages.

Each checks the caller's Origin against the inbox's allowed domains and answers CORS for those
only; each counts against the per-visitor and per-IP rate limits. Errors are
`{"error": {"code", "message"}}` with a 4xx status, never a 500. Thin: parse, call a service,
render.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from carefront.api.ratelimit import client_ip, hit
from carefront.conversations.services.attachments import NewAttachment
from carefront.core.exceptions import ApplicationError, NotFound

from .models import ChatSettings
from .selectors import chat_config, visitor_events
from .services import (
    BadToken,
    chat_email_confirm,
    chat_email_continue,
    chat_message_send,
    chat_session_start,
    chat_settings_get,
    chat_visitor_seen,
    origin_allowed,
    visitor_from_resume_link,
    visitor_from_token,
    visitor_language,
    visitor_token,
)

MAX_JSON_BYTES = 64 * 1024
_STATUS = {
    "not_found": 404,
    "bad_token": 401,
    "identity_required": 403,
    "origin_refused": 403,
    "rate_limited": 429,
    "conflict": 409,
}


def error(code: str, message: str, *, status: int | None = None) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": str(message)}}, status=status or _STATUS.get(code, 400)
    )


def own_hosts(request: HttpRequest) -> list[str]:
    """Carefront's own host(s): its pages may always use the chat."""
    hosts = [request.get_host().lower()]
    base = settings.CAREFRONT.get("BASE_URL", "")
    if base:
        hosts.append(base.split("://", 1)[-1].split("/")[0].lower())
    return hosts


def _cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    response["Vary"] = "Origin"
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
    return response


def rate_limited(*, ip: str, visitor_key: str | None = None) -> bool:
    """Count a call against the per-IP and per-visitor limits (CAREFRONT["API_RATE_LIMITS"]
    buckets "chat_ip" and "chat_visitor"); True when either is over."""
    usage = hit(bucket="chat_ip", ident=ip)
    if usage is not None and usage.exceeded:
        return True
    if visitor_key:
        usage = hit(bucket="chat_visitor", ident=visitor_key)
        if usage is not None and usage.exceeded:
            return True
    return False


def chat_endpoint(view: Callable[..., JsonResponse]) -> Callable[..., HttpResponse]:
    """Find the chat by key, check the origin, answer preflights, count the IP's calls, map
    domain errors and anything unexpected in the input to JSON errors."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        origin = request.headers.get("Origin")
        try:
            chat = chat_settings_get(key=key)
        except NotFound as exc:
            return error("not_found", exc.message)
        if not origin_allowed(chat=chat, origin=origin, own_hosts=own_hosts(request)):
            return error("origin_refused", _("This site may not use this chat."))
        if request.method == "OPTIONS":
            return _cors(HttpResponse(status=204), origin)
        if rate_limited(ip=client_ip(request)):
            return _cors(error("rate_limited", _("Too many requests; try again soon.")), origin)
        try:
            response = view(request, chat, *args, **kwargs)
        except ApplicationError as exc:
            response = error(exc.code, exc.message)
        return _cors(response, origin)

    return wrapper


def _json_body(request: HttpRequest) -> dict:
    if len(request.body) > MAX_JSON_BYTES:
        raise _BadRequest(_("The request is too large."))
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise _BadRequest(_("The request is not JSON.")) from exc
    if not isinstance(data, dict):
        raise _BadRequest(_("The request must be a JSON object."))
    return data


class _BadRequest(ApplicationError):  # noqa: N818
    code = "bad_request"


def _visitor(chat: ChatSettings, token: Any, request: HttpRequest):
    visitor = visitor_from_token(chat=chat, token=token if isinstance(token, str) else None)
    usage = hit(bucket="chat_visitor", ident=str(visitor.pk))
    if usage is not None and usage.exceeded:
        raise _RateLimited(_("Too many requests; try again soon."))
    return visitor


class _RateLimited(ApplicationError):  # noqa: N818
    code = "rate_limited"


def _language(request: HttpRequest, chat: ChatSettings, visitor=None) -> str:
    browser = translation.get_language_from_request(request)
    if visitor is not None:
        return visitor_language(visitor, inbox=chat.inbox, browser=browser)
    from carefront.core.i18n import first_supported_language

    return first_supported_language(browser, chat.inbox.default_language)


@chat_endpoint
def config_view(request: HttpRequest, chat: ChatSettings) -> JsonResponse:
    if request.method != "GET":
        return error("method_not_allowed", _("Use GET."), status=405)
    with translation.override(_language(request, chat)):
        return JsonResponse(chat_config(chat=chat, now=timezone.now()))


@chat_endpoint
def session_view(request: HttpRequest, chat: ChatSettings) -> JsonResponse:
    if request.method != "POST":
        return error("method_not_allowed", _("Use POST."), status=405)
    data = _json_body(request)
    usage = hit(bucket="chat_session", ident=client_ip(request))
    if usage is not None and usage.exceeded:
        return error("rate_limited", _("Too many requests; try again soon."))
    session = chat_session_start(chat=chat, token=data.get("visitor_token"), user=data.get("user"))
    visitor = session.visitor
    return JsonResponse(
        {
            "visitor_token": session.token,
            "conversation_id": visitor.conversation_id,
            "last_seq": session.last_seq,
            "name": visitor.name,
            "email": visitor.email,
            "verified": session.verified,
        }
    )


@chat_endpoint
def messages_view(request: HttpRequest, chat: ChatSettings) -> JsonResponse:
    if request.method != "POST":
        return error("method_not_allowed", _("Use POST."), status=405)
    data = _json_body(request)
    visitor = _visitor(chat, data.get("visitor_token"), request)
    chat_visitor_seen(visitor_id=visitor.pk)
    with translation.override(_language(request, chat, visitor)):
        sent = chat_message_send(
            chat=chat,
            visitor=visitor,
            text=data.get("text"),
            client_id=data.get("client_id"),
            prechat=data.get("prechat"),
        )
    return JsonResponse(
        {"message_id": sent.message.pk, "conversation_id": sent.conversation_id, "seq": sent.seq}
    )


@chat_endpoint
def events_view(request: HttpRequest, chat: ChatSettings) -> JsonResponse:
    if request.method != "GET":
        return error("method_not_allowed", _("Use GET."), status=405)
    visitor = _visitor(chat, request.GET.get("visitor_token"), request)
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        return error("bad_request", _("after must be a number."))
    chat_visitor_seen(visitor_id=visitor.pk)
    events, reload = visitor_events(chat=chat, visitor=visitor, after_seq=after)
    return JsonResponse({"events": events, "reload": reload})


@chat_endpoint
def upload_view(request: HttpRequest, chat: ChatSettings) -> JsonResponse:
    if request.method != "POST":
        return error("method_not_allowed", _("Use POST."), status=405)
    limit = settings.CAREFRONT["MAX_ATTACHMENT_BYTES"]
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > limit + 64 * 1024:
        return error(
            "too_large",
            _("A file may be at most %(limit)s bytes.") % {"limit": limit},
            status=413,
        )
    visitor = _visitor(chat, request.POST.get("visitor_token"), request)
    upload = request.FILES.get("file")
    if upload is None:
        return error("bad_request", _("Attach a file."))
    chat_visitor_seen(visitor_id=visitor.pk)
    with translation.override(_language(request, chat, visitor)):
        sent = chat_message_send(
            chat=chat,
            visitor=visitor,
            text=request.POST.get("text", ""),
            client_id=request.POST.get("client_id"),
            attachments=[
                NewAttachment(
                    filename=upload.name or "",
                    content_type=upload.content_type or "",
                    file=upload.file,
                    size=upload.size,
                )
            ],
        )
    return JsonResponse(
        {"message_id": sent.message.pk, "conversation_id": sent.conversation_id, "seq": sent.seq}
    )


@chat_endpoint
def email_view(request: HttpRequest, chat: ChatSettings) -> JsonResponse:
    if request.method != "POST":
        return error("method_not_allowed", _("Use POST."), status=405)
    data = _json_body(request)
    visitor = _visitor(chat, data.get("visitor_token"), request)
    with translation.override(_language(request, chat, visitor)):
        chat_email_continue(
            chat=chat,
            visitor=visitor,
            email=data.get("email"),
            text=data.get("text") or "",
            client_id=str(data.get("client_id") or ""),
        )
    return JsonResponse({"ok": True})


def resume_view(request: HttpRequest, key: str, token: str) -> HttpResponse:
    """The link in a reply sent by email: a Carefront page with the chat open on the
    visitor's conversation (the widget takes the visitor's token from the page)."""
    try:
        chat = chat_settings_get(key=key)
        visitor = visitor_from_resume_link(chat=chat, token=token)
    except NotFound as exc:
        return render(request, "inboxes/chat/resume.html", {"error": exc.message}, status=404)
    with translation.override(_language(request, chat, visitor)):
        return render(
            request,
            "inboxes/chat/resume.html",
            {"chat": chat, "inbox": chat.inbox, "visitor_token": visitor_token(visitor)},
        )


def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation email. GET shows a button (mail scanners follow links);
    POST confirms."""
    if request.method == "POST":
        try:
            chat_email_confirm(token=token)
        except NotFound as exc:
            return render(request, "inboxes/chat/confirm.html", {"error": exc.message}, status=404)
        return render(request, "inboxes/chat/confirm.html", {"confirmed": True})
    return render(request, "inboxes/chat/confirm.html", {"token": token})


__all__ = ["BadToken"]


def file_view(request: HttpRequest, key: str, token: str) -> HttpResponse:
    """A file of the visitor's conversation, by the signed link the widget got. Always a
    download (never rendered in Carefront's origin)."""
    from django.http import FileResponse

    from .selectors import attachment_for_visitor

    try:
        chat = chat_settings_get(key=key)
    except NotFound as exc:
        return error("not_found", exc.message)
    attachment = attachment_for_visitor(chat=chat, token=token)
    if attachment is None:
        return error("not_found", _("No such file."))
    try:
        handle = attachment.file.open("rb")
    except OSError:
        return error("not_found", _("No such file."))
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
