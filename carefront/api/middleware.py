"""Puts the caller's rate-limit standing on every API response (`X-RateLimit-*`)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class RateLimitHeadersMiddleware:
    """Adds the headers when the API counted the request (see api/ratelimit.py).

    A middleware rather than the API's response factory: it also covers endpoints that return
    a ready-made response (file downloads).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        usage = getattr(request, "rate_limit", None)
        if usage is not None:
            for header, value in usage.headers().items():
                response.headers.setdefault(header, value)
        return response
