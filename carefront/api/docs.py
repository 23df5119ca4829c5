"""Interactive API docs served from our own static files (no CDN), under the strict CSP."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger


class LocalSwagger(Swagger):
    """Swagger UI from `api/vendor/` (swagger-ui-dist), started by `api/docs.js`.

    The settings travel in a JSON data block, which CSP does not treat as a script.
    """

    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"swagger_settings": settings, "api": api})
