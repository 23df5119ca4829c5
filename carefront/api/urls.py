"""`/api/v1/`: mounted by `config/urls.py`."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils.translation import gettext as _

from .main import api


def unknown_endpoint(request: HttpRequest, rest: str) -> JsonResponse:
    """Paths under /api/v1/ that match no endpoint answer in the API's error format, not HTML."""
    return JsonResponse({"detail": _("No such endpoint."), "code": "not_found"}, status=404)


urlpatterns = [
    path("", api.urls),
    path("<path:rest>", unknown_endpoint),
]
