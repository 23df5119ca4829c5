"""Recovery of bad experiences: a lead's list of follow-ups (theirs by default, open and
overdue first), one task with the customer's words, and closing it with an outcome."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carefront.core.exceptions import InvalidInput
from carefront.feedback.models import RecoveryReason
from carefront.feedback.selectors import (
    RecoveryFilters,
    access_recovery_task,
    recovery_task_page,
)
from carefront.feedback.services import recovery_close, recovery_reassign
from carefront.web import directory
from carefront.web.errors import agent_view, form_error
from carefront.web.forms import RecoveryCloseForm, RecoveryFilterForm, RecoveryReassignForm
from carefront.web.http import HttpResponseSeeOther

PAGE_SIZE = 25


@agent_view
def recovery_list(request: HttpRequest) -> HttpResponse:
    form = RecoveryFilterForm(request.GET)
    form.is_valid()  # a bad link still shows a list
    data = form.cleaned_data
    filters = RecoveryFilters(
        state=data.get("state") or "open",
        owner=data.get("owner") or "me",
        inbox_id=data.get("inbox"),
        reason=data.get("reason") or None,
        overdue=bool(data.get("overdue")),
    )
    page = recovery_task_page(
        actor=request.user, filters=filters, cursor=data.get("cursor") or None, limit=PAGE_SIZE
    )
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "is_next_page": bool(data.get("cursor")),
        "owners": [("me", _("Mine")), ("unowned", _("Unowned")), ("anyone", _("Everyone"))],
        "reasons": RecoveryReason.choices,
        "inboxes": directory.visible_inboxes(actor=request.user),
    }
    return render(request, "web/recovery_list.html", context)


def _render_task(request: HttpRequest, task, *, close_form=None, reassign_form=None, status=200):
    context = {
        "task": task,
        "close_form": close_form or RecoveryCloseForm(),
        "reassign_form": reassign_form or RecoveryReassignForm(initial={"owner": task.owner_id}),
        "may_act": request.user.sees_all_inboxes or task.owner_id == request.user.pk,
    }
    return render(request, "web/recovery_task.html", context, status=status)


@agent_view
def recovery_task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    return _render_task(request, access_recovery_task(actor=request.user, task_id=task_id))


@require_POST
@agent_view
def recovery_task_close(request: HttpRequest, task_id: int) -> HttpResponse:
    task = access_recovery_task(actor=request.user, task_id=task_id)
    form = RecoveryCloseForm(request.POST)
    if form.is_valid():
        try:
            recovery_close(
                task=task,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Recovery task closed. Thank you for following up."))
            return HttpResponseSeeOther(reverse("web:recovery_task", args=[task.pk]))
    return _render_task(request, task, close_form=form, status=400)


@require_POST
@agent_view
def recovery_task_reassign(request: HttpRequest, task_id: int) -> HttpResponse:
    task = access_recovery_task(actor=request.user, task_id=task_id)
    form = RecoveryReassignForm(request.POST)
    if form.is_valid():
        try:
            recovery_reassign(task=task, actor=request.user, owner=form.cleaned_data["owner"])
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Recovery task reassigned."))
            return HttpResponseSeeOther(reverse("web:recovery_task", args=[task.pk]))
    return _render_task(request, task, reassign_form=form, status=400)
