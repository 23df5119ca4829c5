"""Snooze a conversation, wake it, and follow-up promises: make one (with or without a reply),
mark it done, cancel it, the promise sentence for the composer, and "My follow-ups"."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from carefront.accounts.models import Agent
from carefront.conversations.models import Conversation
from carefront.conversations.selectors import access_conversation
from carefront.conversations.services import conversation_snooze, conversation_wake
from carefront.core.exceptions import InvalidInput
from carefront.sla.promises import conversation_promise_text
from carefront.sla.selectors import (
    access_followup,
    followup_records,
    followups_outstanding,
)
from carefront.sla.services import followup_cancel, followup_complete, followup_create
from carefront.web.errors import agent_view
from carefront.web.http import HttpResponseSeeOther
from carefront.web.templatetags.carefront_web import local_datetime_text

MORNING = dt.time(9, 0)


class SnoozeForm(forms.Form):
    """A preset (`until`, ISO 8601 with offset) or a date and time of the agent's choice
    (`at`, in the agent's time zone)."""

    until = forms.CharField(required=False, max_length=64)
    at = forms.DateTimeField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "id": "snooze-at"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("until"):
            try:
                when = dt.datetime.fromisoformat(data["until"])
            except ValueError as exc:
                raise forms.ValidationError(_("That snooze time is not valid.")) from exc
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
            data["when"] = when
        elif data.get("at"):
            data["when"] = data["at"]
        else:
            raise forms.ValidationError(_("Choose until when to snooze."))
        return data


class FollowUpForm(forms.Form):
    due = forms.DateTimeField(
        label=gettext_lazy("Follow up by"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "id": "followup-due"}),
    )
    owner = forms.IntegerField(label=gettext_lazy("Owner"), required=False, min_value=1)
    note = forms.CharField(
        label=gettext_lazy("Note (agents only)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "id": "followup-note"}),
    )


def snooze_presets(now: dt.datetime) -> list[dict]:
    """The snooze menu's choices, in the agent's time zone (activated per request): later
    today (in three hours, on the hour, while it is still today), tomorrow 9:00, next Monday
    9:00."""
    local = timezone.localtime(now)
    zone = timezone.get_current_timezone()
    presets = []
    later = (local + dt.timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    if later.date() == local.date():
        presets.append({"key": "later", "label": _("Later today"), "until": later})
    tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), MORNING, tzinfo=zone)
    presets.append({"key": "tomorrow", "label": _("Tomorrow morning"), "until": tomorrow})
    days = (7 - local.weekday()) % 7 or 7
    monday = dt.datetime.combine(local.date() + dt.timedelta(days=days), MORNING, tzinfo=zone)
    if monday.date() != tomorrow.date():
        presets.append({"key": "monday", "label": _("Next Monday"), "until": monday})
    for preset in presets:
        preset["value"] = preset["until"].isoformat()
        preset["text"] = local_datetime_text(preset["until"])
    return presets


def _back(conversation_id: int, anchor: str = "") -> HttpResponse:
    return HttpResponseSeeOther(reverse("web:conversation", args=[conversation_id]) + anchor)


def _form_message(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
@agent_view
def conversation_snooze_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_form_message(form))
    conversation = conversation_snooze(
        conversation=conversation, until=form.cleaned_data["when"], actor=request.user
    )
    messages.success(
        request,
        _("Snoozed until %(when)s.") % {"when": local_datetime_text(conversation.snoozed_until)},
    )
    return _back(conversation.pk)


@require_POST
@agent_view
def conversation_wake_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    conversation_wake(conversation=conversation, actor=request.user)
    messages.success(request, _("The conversation is open again."))
    return _back(conversation.pk)


def _owner(form: FollowUpForm, actor: Agent) -> Agent:
    owner_id = form.cleaned_data.get("owner")
    if not owner_id or owner_id == actor.pk:
        return actor
    owner = Agent.objects.filter(pk=owner_id).first()
    if owner is None:
        raise InvalidInput(_("That agent does not exist."))
    return owner


def followup_from_form(
    *, request: HttpRequest, conversation: Conversation, form: FollowUpForm, body: str = ""
) -> None:
    """Make the promise a valid form describes. `body`: the reply sent with it; the promise
    sentence is recorded as told if the reply holds it."""
    due = form.cleaned_data["due"]
    sentence = conversation_promise_text(conversation=conversation, due_at=due)
    followup_create(
        conversation=conversation,
        owner=_owner(form, request.user),
        due_at=due,
        actor=request.user,
        note=form.cleaned_data["note"],
        customer_text=sentence if sentence in body else "",
    )


@require_POST
@agent_view
def followup_create_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A promise made without a reply (by phone, in an earlier message)."""
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_form_message(form))
    followup_from_form(request=request, conversation=conversation, form=form)
    messages.success(
        request,
        _("Follow-up promised for %(when)s; the conversation is snoozed until then.")
        % {"when": local_datetime_text(form.cleaned_data["due"])},
    )
    return _back(conversation.pk, "#followups-title")


@require_POST
@agent_view
def followup_complete_view(
    request: HttpRequest, conversation_id: int, follow_up_id: int
) -> HttpResponse:
    follow_up = access_followup(
        actor=request.user, conversation_id=conversation_id, follow_up_id=follow_up_id
    )
    follow_up = followup_complete(follow_up=follow_up, actor=request.user)
    state = follow_up.get_state_display()
    messages.success(request, _("Follow-up done (%(state)s).") % {"state": state})
    return _next_or_back(request, conversation_id)


@require_POST
@agent_view
def followup_cancel_view(
    request: HttpRequest, conversation_id: int, follow_up_id: int
) -> HttpResponse:
    follow_up = access_followup(
        actor=request.user, conversation_id=conversation_id, follow_up_id=follow_up_id
    )
    followup_cancel(follow_up=follow_up, actor=request.user)
    messages.success(request, _("Follow-up cancelled."))
    return _next_or_back(request, conversation_id)


def _next_or_back(request: HttpRequest, conversation_id: int) -> HttpResponse:
    if request.POST.get("next") == "followups":
        return HttpResponseSeeOther(reverse("web:followups"))
    return _back(conversation_id, "#followups-title")


@require_GET
@agent_view
def promise_text_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The promise sentence for `?due=` (the agent's local time), in the customer's language,
    as plain text for the composer script."""
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    field = forms.DateTimeField()
    try:
        due = field.clean(request.GET.get("due", ""))
    except forms.ValidationError as exc:
        raise InvalidInput(_("Choose the follow-up date and time first.")) from exc
    text = conversation_promise_text(conversation=conversation, due_at=due)
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


# The records count every promise due in 90 days (a lead's view: every agent's): a grouped
# query whose cost grows with the promises of the period (0.35 s at 100,000 on a loaded VM, see
# bench/README.md), so it is shared for a minute rather than run on every view.
RECORDS_SECONDS = 60


def _records(actor: Agent, now: dt.datetime) -> list:
    scope = "all" if actor.sees_all_inboxes else f"agent:{actor.pk}"
    return cache.get_or_set(
        f"followup-records:{scope}",
        lambda: followup_records(actor=actor, now=now),
        RECORDS_SECONDS,
    )


@require_GET
@agent_view
def followups_view(request: HttpRequest) -> HttpResponse:
    """My follow-ups: the outstanding promises, most overdue first, and how promises were kept
    (one's own; leads and admins see every agent's; up to a minute old)."""
    actor = request.user
    now = timezone.now()
    page = followups_outstanding(actor=actor, owner=actor, cursor=request.GET.get("cursor"))
    context = {
        "page": page,
        "now": now,
        "records": _records(actor, now),
        "is_next_page": bool(request.GET.get("cursor")),
    }
    return render(request, "web/followups.html", context)
