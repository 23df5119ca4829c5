"""Per-request activation: the signed-in agent's time zone, and the site's language."""

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class SiteLanguageMiddleware:
    """Every page in LANGUAGE_CODE, whatever the browser asks for.

    settings.LANGUAGES lists the languages of customer-facing text, which pages and emails for
    customers pick themselves (carefront.conversations.language). The agent UI is not
    translated yet: Django's LocaleMiddleware would give an agent with a German browser a page
    half in German (Django's own strings and date formats) and half in English.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        response = self.get_response(request)
        # A view that rendered in another language (the rating page) says so itself.
        response.headers.setdefault("Content-Language", settings.LANGUAGE_CODE)
        return response


class AgentTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        tz_name = getattr(user, "time_zone", "") if user is not None else ""
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
