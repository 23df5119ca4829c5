"""The agent's personal API tokens: create one (shown once), see them, revoke them."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carefront.accounts.models import ApiToken, TokenScope
from carefront.accounts.services import api_token_create, api_token_revoke
from carefront.core.exceptions import InvalidInput
from carefront.web.errors import agent_view, form_error
from carefront.web.http import HttpResponseSeeOther


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What will use it, e.g. “Shop integration”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Access"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
    )


def _render(
    request: HttpRequest, form: ApiTokenForm, *, new_token: str = "", status: int = 200
) -> HttpResponse:
    tokens = list(ApiToken.objects.filter(agent=request.user).order_by("-created_at", "-id"))
    response = render(
        request,
        "web/tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
        status=status,
    )
    # The page may hold a token that is never shown again: keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


# The new token waits in the session between the POST and the GET that shows it, and is popped
# there: reloading the page neither shows it again nor creates a second token.
NEW_TOKEN_SESSION_KEY = "carefront_new_api_token"  # noqa: S105 - a session key, not a secret


def _pop_new_token(request: HttpRequest) -> str:
    pending = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    if not isinstance(pending, dict):
        return ""
    still_live = ApiToken.objects.filter(
        pk=pending.get("id"), agent=request.user, revoked_at__isnull=True
    ).exists()
    return str(pending.get("plain", "")) if still_live else ""


@agent_view
def api_tokens(request: HttpRequest) -> HttpResponse:
    """GET lists the tokens (and, once, a token just created); POST creates one
    (`action=create`) or revokes one (`action=revoke`), then redirects (POST-redirect-GET)."""
    if request.method != "POST":
        return _render(request, ApiTokenForm(), new_token=_pop_new_token(request))
    if request.POST.get("action") == "revoke":
        token_id = request.POST.get("token", "")
        if not token_id.isdigit():
            raise InvalidInput(_("Choose a token to revoke."))
        token = api_token_revoke(actor=request.user, token_id=int(token_id))
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return HttpResponseSeeOther(reverse("web:api_tokens"))
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, plain = api_token_create(
                agent=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            )
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.pk, "plain": plain}
            messages.success(request, _("The token “%(name)s” is created.") % {"name": token.name})
            return HttpResponseSeeOther(reverse("web:api_tokens"))
    return _render(request, form, status=400)
