"""Availability (the status menu and the activity heartbeat), chat offers and the chats waiting,
and the routing admin page (docs/routing.md)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from carefront.accounts.models import Team
from carefront.accounts.services import agent_seen, agent_set_availability
from carefront.automation.models import AssignmentPolicy, AssignmentStrategy
from carefront.automation.routing import (
    chat_offer_accept,
    chat_offer_decline,
    chats_waiting_for,
)
from carefront.automation.services_routing import (
    assignment_policy_delete,
    assignment_policy_save,
)
from carefront.core.exceptions import ApplicationError, InvalidInput, NotFound
from carefront.inboxes.models import Inbox
from carefront.web.errors import admin_view, agent_view, error_response, form_error
from carefront.web.http import HttpResponseSeeOther


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:inbox")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@agent_view
def availability_set(request: HttpRequest) -> HttpResponse:
    """The status menu: online, away or offline."""
    agent_set_availability(agent=request.user, availability=request.POST.get("availability", ""))
    if _wants_json(request):
        return JsonResponse({"availability": request.user.availability})
    return HttpResponseSeeOther(_back(request))


@require_POST
@agent_view
def availability_seen(request: HttpRequest) -> HttpResponse:
    """The heartbeat of static/web/availability.js: the agent is active in a page."""
    agent_seen(agent=request.user)
    return HttpResponse(status=204)


def _chat_action(request: HttpRequest, conversation_id: int, *, accept: bool) -> HttpResponse:
    try:
        if accept:
            chat_offer_accept(actor=request.user, conversation_id=conversation_id)
        else:
            chat_offer_decline(actor=request.user, conversation_id=conversation_id)
    except ApplicationError as exc:
        if _wants_json(request):
            status = 404 if isinstance(exc, NotFound) else 409
            return JsonResponse(
                {"error": {"code": exc.code, "message": exc.message}}, status=status
            )
        if isinstance(exc, InvalidInput):
            messages.error(request, exc.message)
            return HttpResponseSeeOther(reverse("web:chats_waiting"))
        return error_response(request, exc)
    target = (
        reverse("web:conversation", args=[conversation_id])
        if accept
        else reverse("web:chats_waiting")
    )
    if _wants_json(request):
        return JsonResponse({"ok": True, "url": target})
    return HttpResponseSeeOther(target)


@require_POST
@agent_view
def chat_accept(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _chat_action(request, conversation_id, accept=True)


@require_POST
@agent_view
def chat_decline(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _chat_action(request, conversation_id, accept=False)


@agent_view
def chats_waiting(request: HttpRequest) -> HttpResponse:
    """The chats waiting for an agent, so nothing depends on the live socket alone."""
    return render(
        request, "web/chats_waiting.html", {"chats": chats_waiting_for(actor=request.user)}
    )


# Admin: assignment policies -------------------------------------------------------------------


class AssignmentPolicyForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("Applies to"))
    enabled = forms.BooleanField(label=gettext_lazy("Assign automatically"), required=False)
    strategy = forms.ChoiceField(label=gettext_lazy("Strategy"), choices=AssignmentStrategy.choices)
    reassign_after_away_minutes = forms.IntegerField(
        label=gettext_lazy("Reassign after the agent is away for (minutes)"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=gettext_lazy("Empty: conversations stay with an agent who is away."),
    )
    chat_accept_seconds = forms.IntegerField(
        label=gettext_lazy("Seconds to accept a chat (chat inboxes)"),
        min_value=10,
        max_value=3600,
        initial=60,
    )
    chat_wait_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes a chat waits before it continues by email (chat inboxes)"),
        min_value=1,
        max_value=1440,
        initial=5,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        inboxes = [
            (f"inbox:{inbox.pk}", _("Inbox %(name)s") % {"name": inbox.name})
            for inbox in Inbox.objects.order_by("name", "id")
        ]
        teams = [
            (f"team:{team.pk}", _("Team %(name)s") % {"name": team.name})
            for team in Team.objects.order_by("name", "id")
        ]
        self.fields["scope"].choices = inboxes + teams


def _policy_initial(policy: AssignmentPolicy) -> dict:
    return {
        "scope": f"inbox:{policy.inbox_id}" if policy.inbox_id else f"team:{policy.team_id}",
        "enabled": policy.enabled,
        "strategy": policy.strategy,
        "reassign_after_away_minutes": policy.reassign_after_away_minutes,
        "chat_accept_seconds": policy.chat_accept_seconds,
        "chat_wait_minutes": policy.chat_wait_minutes,
    }


@admin_view
def manage_routing(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    """The policies, one per inbox or team, and a form to add or change one."""
    policy = None
    if policy_id is not None:
        policy = AssignmentPolicy.objects.filter(pk=policy_id).first()
        if policy is None:
            raise NotFound(_("Assignment policy not found."))
    status = 200
    if request.method == "POST":
        form = AssignmentPolicyForm(request.POST)
        if form.is_valid():
            try:
                assignment_policy_save(actor=request.user, policy=policy, **form.cleaned_data)
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The assignment policy is saved."))
                return HttpResponseSeeOther(reverse("web:manage_routing"))
        status = 400
    else:
        form = AssignmentPolicyForm(initial=_policy_initial(policy) if policy else None)
    policies = list(AssignmentPolicy.objects.select_related("inbox", "team").order_by("id"))
    return render(
        request,
        "web/manage/routing.html",
        {"form": form, "policy": policy, "policies": policies},
        status=status,
    )


@require_POST
@admin_view
def manage_routing_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = AssignmentPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("Assignment policy not found."))
    assignment_policy_delete(actor=request.user, policy=policy)
    messages.success(request, _("The assignment policy is removed."))
    return redirect("web:manage_routing")
