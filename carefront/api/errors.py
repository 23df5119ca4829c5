"""The one place where errors become API responses: always `{"detail": ..., "code": ...}`.

Domain errors map by class (NotFound 404, PermissionDenied 403, Conflict 409, InvalidInput 400,
RequestTooLarge 413). A request that does not match the schema (wrong type, missing field) is a
422 with the list of problems under `errors`. No credentials is a 401 (counted per client IP: too
many and it is a 429); over the caller's rate limit is a 429 with Retry-After; anything
unexpected is a logged 500 that shows nothing internal.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from carefront.core.exceptions import (
    ApplicationError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)

from . import ratelimit

logger = logging.getLogger(__name__)


class RequestTooLarge(ApplicationError):  # noqa: N818 - reads like the other domain errors
    """The request body is over a size limit (413)."""

    code = "too_large"


STATUS_BY_ERROR: list[tuple[type[ApplicationError], int]] = [
    (RequestTooLarge, 413),
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
    (InvalidInput, 400),
]
CODE_BY_STATUS = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
}


def _error(api: NinjaAPI, request: HttpRequest, status: int, detail: str, code: str, **extra):
    return api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)


def _rate_limited(api: NinjaAPI, request: HttpRequest, usage: ratelimit.Usage) -> HttpResponse:
    retry_after = usage.retry_after()
    response = _error(
        api,
        request,
        429,
        _("Too many requests: at most %(limit)s in this window. Retry in %(seconds)s s.")
        % {"limit": usage.limit, "seconds": retry_after},
        "rate_limited",
    )
    response["Retry-After"] = str(retry_after)
    for header, value in usage.headers().items():
        response[header] = value
    return response


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        status = next((s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls)), 400)
        # The traffic cop's 409 lists what landed meanwhile (conversations ConversationChanged).
        shown = {"new_messages": exc.new_messages} if hasattr(exc, "new_messages") else {}
        return _error(api, request, status, exc.message, exc.code, **shown)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "msg": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
            for error in exc.errors
        ]
        return _error(
            api,
            request,
            422,
            _("The request does not match the schema."),
            "validation_error",
            errors=errors,
        )

    @api.exception_handler(ratelimit.RateLimited)
    def rate_limited(request: HttpRequest, exc: ratelimit.RateLimited) -> HttpResponse:
        return _rate_limited(api, request, exc.usage)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        # Failed authentications are limited per client IP, so a client guessing tokens (or a
        # misconfigured one hammering) is told to back off.
        usage = ratelimit.hit(bucket="failed_auth", ident=f"ip:{ratelimit.client_ip(request)}")
        if usage is not None:
            request.rate_limit = usage  # type: ignore[attr-defined]
            if usage.exceeded:
                return _rate_limited(api, request, usage)
        response = _error(
            api,
            request,
            401,
            _("Authentication required: send 'Authorization: Bearer <token>'."),
            "not_authenticated",
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, ApplicationError):
            # ninja wraps whatever the body parser raised; our parser's refusals say why.
            return application_error(request, exc.__cause__)
        code = CODE_BY_STATUS.get(exc.status_code, "error")
        return _error(api, request, exc.status_code, str(exc), code)

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return _error(
            api,
            request,
            413,
            _("The request body is larger than %(limit)s bytes.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
            "too_large",
        )

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Too many form fields or files, a malformed multipart body...: the client's fault.
        return _error(api, request, 400, _("The request could not be read."), "invalid")

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return _error(api, request, 400, _("The multipart body is malformed."), "invalid")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, _("Not found."), "not_found")

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        request.api_exception = exc  # type: ignore[attr-defined] - kept with the raw input
        return _error(api, request, 500, _("Internal server error."), "server_error")
