"""The one place where domain errors become HTTP responses for the HTML UI.

Every view is wrapped by `agent_view` (or `admin_view`), so a service raising `NotFound`,
`PermissionDenied` or `InvalidInput` gives a 404, 403 or 400 page with the message, never a 500.
Views with a form catch `InvalidInput` themselves (`form_error`) to show it next to the fields,
with the same 400 status.
"""

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from carefront.accounts.models import Role
from carefront.core.exceptions import ApplicationError, InvalidInput, NotFound, PermissionDenied

STATUS_BY_ERROR: list[tuple[type[ApplicationError], int, str]] = [
    (NotFound, 404, "404.html"),
    (PermissionDenied, 403, "403.html"),
    (InvalidInput, 400, "400.html"),
]


def error_response(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    for error_class, status, template in STATUS_BY_ERROR:
        if isinstance(exc, error_class):
            return render(request, template, {"message": exc.message}, status=status)
    return render(request, "400.html", {"message": exc.message}, status=400)


def form_error(form: Form, exc: InvalidInput) -> None:
    """Show a domain validation error on the form that caused it."""
    form.add_error(None, exc.message)


def agent_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in, active agents only; domain errors become error pages."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated or not request.user.is_active:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return error_response(request, exc)

    return wrapper


def role_view(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Like `agent_view`, and the agent must hold one of `roles` (403 otherwise)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role not in roles:
                raise PermissionDenied(_("You do not have access to this page."))
            return view(request, *args, **kwargs)

        return agent_view(checked)

    return decorator


admin_view = role_view(Role.ADMIN)
lead_view = role_view(Role.ADMIN, Role.LEAD)
