"""The admin area of the UI: inboxes, teams, agents, business calendars, SLA policies (admins) and
saved replies (leads, admins)."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carefront.accounts.models import Agent, Team
from carefront.accounts.selectors import agent_list, team_list
from carefront.accounts.services import (
    agent_create,
    agent_deactivate,
    agent_reactivate,
    agent_update,
    team_create,
    team_update,
)
from carefront.automation.models import SavedReply
from carefront.automation.selectors import saved_reply_list
from carefront.automation.services import (
    saved_reply_create,
    saved_reply_delete,
    saved_reply_update,
)
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.inboxes.email.imap import ImapCheck
from carefront.inboxes.models import (
    DEFAULT_RATING_DELAY_MINUTES,
    DEFAULT_RECOVERY_DUE_HOURS,
    ImapAccount,
    Inbox,
)
from carefront.inboxes.selectors import inbox_list
from carefront.inboxes.setup import (
    imap_account_check,
    imap_account_save,
    inbox_create,
    inbox_set_recovery,
    inbox_update,
)
from carefront.sla.models import BusinessCalendar, SlaPolicy
from carefront.sla.selectors import (
    KEPT_RATE_DAYS,
    acknowledgement_kept_rates,
    calendar_list,
    sla_policy_list,
)
from carefront.sla.services import (
    business_calendar_create,
    business_calendar_delete,
    business_calendar_update,
)
from carefront.sla.services.policies_admin import (
    sla_policy_create,
    sla_policy_delete,
    sla_policy_move,
    sla_policy_update,
)
from carefront.web.calendar_forms import CalendarForm, closures_text, hours_text
from carefront.web.errors import admin_view, form_error, lead_view
from carefront.web.forms import (
    AgentCreateForm,
    AgentUpdateForm,
    ImapAccountForm,
    InboxSetupForm,
    TeamForm,
)
from carefront.web.http import HttpResponseSeeOther
from carefront.web.macro_forms import MacroSavedReplyForm
from carefront.web.sla_forms import (
    PolicyForm,
    conditions_summary,
    escalation_summary,
    targets_summary,
)
from carefront.web.views.auth import send_invitation


def _get(model, pk: int, message: str):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise NotFound(message)
    return obj


@lead_view
def manage_home(request: HttpRequest) -> HttpResponse:
    if request.user.is_admin:
        return redirect("web:manage_inboxes")
    return redirect("web:manage_saved_replies")


# Inboxes ------------------------------------------------------------------------------------


@admin_view
def inbox_index(request: HttpRequest) -> HttpResponse:
    inboxes = list(inbox_list())
    rates = acknowledgement_kept_rates(inbox_ids=[inbox.pk for inbox in inboxes])
    for inbox in inboxes:
        inbox.kept_rate = rates.get(inbox.pk)
    return render(request, "web/manage/inboxes.html", {"inboxes": inboxes})


@admin_view
def inbox_edit(request: HttpRequest, inbox_id: int | None = None) -> HttpResponse:
    inbox = _get(Inbox, inbox_id, _("Inbox not found.")) if inbox_id else None
    account = ImapAccount.objects.filter(inbox=inbox).first() if inbox else None
    status = 200
    if request.method == "POST":
        form = InboxSetupForm(request.POST)
        imap_form = ImapAccountForm(request.POST)
        if form.is_valid() and imap_form.is_valid():
            try:
                inbox = _save_inbox(request, inbox, form, imap_form)
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Inbox %(name)s is saved.") % {"name": inbox.name})
                return redirect("web:manage_inboxes")
        status = 400
    else:
        form = InboxSetupForm(
            initial={
                "name": inbox.name,
                "email_address": inbox.email_address or "",
                "from_name": inbox.from_name,
                "teams": list(inbox.teams.all()),
                "is_active": inbox.is_active,
                "ask_for_rating": inbox.ask_for_rating,
                "rating_delay_minutes": inbox.rating_delay_minutes,
                "default_language": inbox.default_language,
                "send_acknowledgement": inbox.send_acknowledgement,
                "recovery_owner": inbox.recovery_owner_id,
                "recovery_due_hours": inbox.recovery_due_hours,
            }
            if inbox
            else None
        )
        imap_form = ImapAccountForm(
            initial={
                "imap_host": account.host,
                "imap_port": account.port,
                "imap_use_ssl": account.use_ssl,
                "imap_username": account.username,
                "imap_folder": account.folder,
                "imap_delete_after_fetch": account.delete_after_fetch,
            }
            if account
            else None
        )
    context = {
        "inbox": inbox,
        "account": account,
        "form": form,
        "imap_form": imap_form,
        "kept_rate": (
            acknowledgement_kept_rates(inbox_ids=[inbox.pk]).get(inbox.pk) if inbox else None
        ),
        "kept_rate_days": KEPT_RATE_DAYS,
    }
    return render(request, "web/manage/inbox_form.html", context, status=status)


@admin_view
@require_POST
def inbox_imap_check(request: HttpRequest, inbox_id: int | None = None) -> HttpResponse:
    """ "Test connection": try the IMAP fields as typed (an empty password means the saved one)
    and say what happened. With htmx only the result is sent; without, the whole form again,
    with what was typed and the result under the IMAP fields. Nothing is saved."""
    inbox = _get(Inbox, inbox_id, _("Inbox not found.")) if inbox_id else None
    imap_form = ImapAccountForm(request.POST)
    if imap_form.is_valid():
        data = imap_form.cleaned_data
        check = imap_account_check(
            actor=request.user,
            inbox=inbox,
            host=data["imap_host"],
            username=data["imap_username"],
            password=data["imap_password"],
            port=data["imap_port"] or 993,
            use_ssl=data["imap_use_ssl"],
            folder=data["imap_folder"] or "INBOX",
        )
    else:
        check = ImapCheck(False, "input", _("Correct the IMAP fields first."))
    if request.htmx:
        return render(request, "web/manage/inbox_form.html#imap_check", {"imap_check": check})
    context = {
        "inbox": inbox,
        "account": ImapAccount.objects.filter(inbox=inbox).first() if inbox else None,
        "form": InboxSetupForm(request.POST),
        "imap_form": imap_form,
        "imap_check": check,
    }
    return render(request, "web/manage/inbox_form.html", context)


def _or_default(minutes: int | None) -> int:
    return DEFAULT_RATING_DELAY_MINUTES if minutes is None else minutes


def _save_inbox(request, inbox, form: InboxSetupForm, imap_form: ImapAccountForm) -> Inbox:
    data = form.cleaned_data
    with transaction.atomic():
        if inbox is None:
            inbox = inbox_create(
                actor=request.user,
                name=data["name"],
                email_address=data["email_address"],
                from_name=data["from_name"],
                teams=data["teams"],
                is_active=data["is_active"],
                ask_for_rating=data["ask_for_rating"],
                rating_delay_minutes=_or_default(data["rating_delay_minutes"]),
                default_language=data["default_language"],
                send_acknowledgement=data["send_acknowledgement"],
            )
        else:
            inbox = inbox_update(
                actor=request.user,
                inbox=inbox,
                name=data["name"],
                email_address=data["email_address"],
                from_name=data["from_name"],
                teams=data["teams"],
                is_active=data["is_active"],
                ask_for_rating=data["ask_for_rating"],
                rating_delay_minutes=data["rating_delay_minutes"],
                default_language=data["default_language"],
                send_acknowledgement=data["send_acknowledgement"],
            )
        inbox_set_recovery(
            actor=request.user,
            inbox=inbox,
            owner=data["recovery_owner"],
            due_hours=data["recovery_due_hours"] or DEFAULT_RECOVERY_DUE_HOURS,
        )
        if imap_form.wanted:
            imap = imap_form.cleaned_data
            imap_account_save(
                actor=request.user,
                inbox=inbox,
                host=imap["imap_host"],
                username=imap["imap_username"],
                password=imap["imap_password"],
                port=imap["imap_port"] or 993,
                use_ssl=imap["imap_use_ssl"],
                folder=imap["imap_folder"] or "INBOX",
                delete_after_fetch=imap["imap_delete_after_fetch"],
            )
    return inbox


# Teams --------------------------------------------------------------------------------------


@admin_view
def team_index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/manage/teams.html", {"teams": list(team_list())})


@admin_view
def team_edit(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    team = _get(Team, team_id, _("Team not found.")) if team_id else None
    status = 200
    if request.method == "POST":
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                if team is None:
                    team = team_create(actor=request.user, **form.cleaned_data)
                else:
                    team = team_update(actor=request.user, team=team, **form.cleaned_data)
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Team %(name)s is saved.") % {"name": team.name})
                return redirect("web:manage_teams")
        status = 400
    else:
        initial = None
        if team is not None:
            initial = {
                "name": team.name,
                "description": team.description,
                "members": list(team.members.all()),
            }
        form = TeamForm(initial=initial)
    return render(request, "web/manage/team_form.html", {"team": team, "form": form}, status=status)


# Agents -------------------------------------------------------------------------------------


@admin_view
def agent_index(request: HttpRequest) -> HttpResponse:
    agents = list(agent_list(include_inactive=True))
    return render(request, "web/manage/agents.html", {"agents": agents})


@admin_view
def agent_new(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = AgentCreateForm(request.POST)
        if form.is_valid():
            try:
                agent = agent_create(actor=request.user, **form.cleaned_data)
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                if form.cleaned_data["password"]:
                    message = _("%(name)s can now sign in.") % {"name": agent.name}
                else:
                    send_invitation(request, agent=agent)
                    message = _(
                        "%(name)s is invited: a link to choose a password went to %(email)s."
                    ) % {
                        "name": agent.name,
                        "email": agent.email,
                    }
                messages.success(request, message)
                return redirect("web:manage_agents")
        status = 400
    else:
        form = AgentCreateForm()
    return render(
        request, "web/manage/agent_form.html", {"form": form, "agent": None}, status=status
    )


@admin_view
def agent_edit(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = _get(Agent, agent_id, _("Agent not found."))
    status = 200
    if request.method == "POST":
        form = AgentUpdateForm(request.POST)
        if form.is_valid():
            try:
                agent_update(actor=request.user, agent=agent, **form.cleaned_data)
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": agent.name})
                return redirect("web:manage_agents")
        status = 400
    else:
        form = AgentUpdateForm(
            initial={
                "name": agent.name,
                "role": agent.role,
                "teams": list(agent.teams.all()),
                "chat_capacity": agent.chat_capacity,
                "conversation_capacity": agent.conversation_capacity,
            }
        )
    return render(
        request, "web/manage/agent_form.html", {"form": form, "agent": agent}, status=status
    )


@require_POST
@admin_view
def agent_toggle_active(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = _get(Agent, agent_id, _("Agent not found."))
    if agent.is_active:
        agent_deactivate(actor=request.user, agent=agent)
        messages.success(request, _("%(name)s is deactivated.") % {"name": agent.name})
    else:
        agent_reactivate(actor=request.user, agent=agent)
        messages.success(request, _("%(name)s is active again.") % {"name": agent.name})
    return redirect("web:manage_agents")


# Saved replies ------------------------------------------------------------------------------


@lead_view
def saved_reply_index(request: HttpRequest) -> HttpResponse:
    replies = list(saved_reply_list())
    return render(request, "web/manage/saved_replies.html", {"saved_replies": replies})


@lead_view
def saved_reply_edit(request: HttpRequest, saved_reply_id: int | None = None) -> HttpResponse:
    saved_reply = (
        _get(SavedReply, saved_reply_id, _("Saved reply not found.")) if saved_reply_id else None
    )
    status = 200
    if request.method == "POST":
        form = MacroSavedReplyForm(request.POST)
        if form.is_valid():
            try:
                if saved_reply is None:
                    saved_reply = saved_reply_create(actor=request.user, **form.service_fields())
                else:
                    saved_reply = saved_reply_update(
                        actor=request.user, saved_reply=saved_reply, **form.service_fields()
                    )
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request, _("Saved reply %(title)s is saved.") % {"title": saved_reply.title}
                )
                return redirect("web:manage_saved_replies")
        status = 400
    else:
        initial = MacroSavedReplyForm.initial_for(saved_reply) if saved_reply else None
        form = MacroSavedReplyForm(initial=initial)
    context = {"saved_reply": saved_reply, "form": form}
    return render(request, "web/manage/saved_reply_form.html", context, status=status)


@require_POST
@lead_view
def saved_reply_remove(request: HttpRequest, saved_reply_id: int) -> HttpResponse:
    saved_reply = _get(SavedReply, saved_reply_id, _("Saved reply not found."))
    saved_reply_delete(actor=request.user, saved_reply=saved_reply)
    messages.success(request, _("Saved reply deleted."))
    return redirect("web:manage_saved_replies")


# Business calendars ------------------------------------------------------------------------


@admin_view
def calendar_index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/manage/calendars.html", {"calendars": list(calendar_list())})


@admin_view
def calendar_edit(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    calendar = (
        _get(BusinessCalendar, calendar_id, _("Calendar not found.")) if calendar_id else None
    )
    status = 200
    if request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid():
            try:
                if calendar is None:
                    calendar = business_calendar_create(actor=request.user, **form.cleaned_data)
                else:
                    calendar = business_calendar_update(
                        actor=request.user, calendar=calendar, **form.cleaned_data
                    )
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request, _("Calendar %(name)s is saved.") % {"name": calendar.name}
                )
                return redirect("web:manage_calendars")
        status = 400
    else:
        initial = None
        if calendar is not None:
            initial = {
                "name": calendar.name,
                "time_zone": calendar.time_zone,
                "is_24_7": calendar.is_24_7,
                "hours": hours_text(calendar.intervals.all()),
                "holiday_country": calendar.holiday_country,
                "holiday_subdivision": calendar.holiday_subdivision,
                "closures": closures_text(calendar.closures.all()),
                "inboxes": list(Inbox.objects.filter(pk__in=calendar.inbox_links.values("inbox"))),
                "teams": list(Team.objects.filter(pk__in=calendar.team_links.values("team"))),
            }
        form = CalendarForm(initial=initial)
    return render(
        request,
        "web/manage/calendar_form.html",
        {"calendar": calendar, "form": form},
        status=status,
    )


@require_POST
@admin_view
def calendar_remove(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = _get(BusinessCalendar, calendar_id, _("Calendar not found."))
    business_calendar_delete(actor=request.user, calendar=calendar)
    messages.success(request, _("Calendar %(name)s is deleted.") % {"name": calendar.name})
    return redirect("web:manage_calendars")


# SLA policies -------------------------------------------------------------------------------


@admin_view
def sla_policy_index(request: HttpRequest) -> HttpResponse:
    policies = sla_policy_list(actor=request.user)
    rows = [
        {
            "policy": policy,
            "conditions": conditions_summary(policy),
            "targets": targets_summary(policy),
            "escalation": escalation_summary(policy),
        }
        for policy in policies
    ]
    return render(request, "web/manage/sla_policies.html", {"rows": rows})


@admin_view
def sla_policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    policy = _get(SlaPolicy, policy_id, _("SLA policy not found.")) if policy_id else None
    status = 200
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                if policy is None:
                    policy = sla_policy_create(actor=request.user, **form.cleaned_data)
                else:
                    policy = sla_policy_update(
                        actor=request.user, policy=policy, **form.cleaned_data
                    )
            except InvalidInput as exc:
                form.service_error(exc)
            else:
                messages.success(
                    request, _("SLA policy %(name)s is saved.") % {"name": policy.name}
                )
                return redirect("web:manage_sla_policies")
        status = 400
    else:
        form = PolicyForm(initial=PolicyForm.initial_for(policy) if policy else None)
    return render(
        request,
        "web/manage/sla_policy_form.html",
        {"policy": policy, "form": form},
        status=status,
    )


@require_POST
@admin_view
def sla_policy_remove(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = _get(SlaPolicy, policy_id, _("SLA policy not found."))
    sla_policy_delete(actor=request.user, policy=policy)
    messages.success(request, _("SLA policy %(name)s is deleted.") % {"name": policy.name})
    return redirect("web:manage_sla_policies")


@require_POST
@admin_view
def sla_policy_reorder(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = _get(SlaPolicy, policy_id, _("SLA policy not found."))
    sla_policy_move(actor=request.user, policy=policy, direction=request.POST.get("direction", ""))
    return HttpResponseSeeOther(reverse("web:manage_sla_policies") + f"#policy-{policy.pk}")
