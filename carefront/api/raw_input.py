"""`@decorate_view(keeps_raw_input)`: an endpoint that takes customers' messages keeps the
request as it arrived (see inboxes/api_input.py), whatever becomes of it.

The request is captured before ninja parses the body, so a payload that fails the schema (422)
is kept too. Only authenticated calls are stored: anonymous traffic must not fill the database.
"""

import json
import logging
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from carefront.inboxes.api_input import api_input_capture, api_input_refuse
from carefront.inboxes.models import RawInbound, RawStatus

logger = logging.getLogger(__name__)


def keeps_raw_input(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(run)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            body = request.body
        except RequestDataTooBig:
            body = b""  # the API answers 413; the row records that much was refused
        raw = api_input_capture(
            method=request.method or "POST",
            path=request.get_full_path(),
            meta=request.META,
            body=body,
            caller_ref="",
        )
        request.raw_inbound = raw  # type: ignore[attr-defined] - the endpoint stores it
        response = run(request, *args, **kwargs)
        caller = getattr(request, "auth", None)
        if caller is None:
            return response
        accepted = raw.pk is not None and response.status_code < 400
        if not accepted:
            raw = raw_input(request)
            status = RawStatus.FAILED if response.status_code >= 500 else RawStatus.REJECTED
            try:
                api_input_refuse(raw=raw, status=status, error=_why(request, response))
            except Exception:
                # The database refused even this (it may be down): the caller still gets the
                # API's answer, and the log keeps what came in.
                logger.exception(
                    "Could not keep the raw API request (%s bytes, %s)", raw.size, raw.source_ref
                )
        return response

    return wrapper


def raw_input(request: HttpRequest) -> RawInbound:
    """The captured request of an authenticated call, marked with who sent it."""
    raw: RawInbound = request.raw_inbound  # type: ignore[attr-defined]
    caller = request.auth  # type: ignore[attr-defined]
    raw.source_ref = f"token:{caller.token.pk}" if caller.token else f"agent:{caller.agent.pk}"
    return raw


def _why(request: HttpRequest, response: HttpResponse) -> str:
    """The error to keep with the raw row: the answer the caller got, and the exception if any."""
    parts = [f"HTTP {response.status_code}"]
    try:
        payload = json.loads(response.content)
    except (ValueError, AttributeError):
        payload = {}
    if isinstance(payload, dict):
        parts += [str(payload[k]) for k in ("code", "detail") if payload.get(k)]
        parts += [
            f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg', '')}"
            for e in payload.get("errors", [])
            if isinstance(e, dict)
        ]
    exception = getattr(request, "api_exception", None)
    if exception is not None:
        parts.append(f"{type(exception).__name__}: {exception}")
    return "\n".join(parts)
