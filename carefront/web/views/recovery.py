"""Recovery of bad experiences: a lead's list of follow-ups (theirs by default, open and
overdue first), one task with the customer's words, closing it with an outcome, and the report
of a period (outcomes, time to recover) with its CSV export."""

import csv
import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carefront.core.exceptions import InvalidInput
from carefront.feedback.models import RecoveryOutcome, RecoveryReason
from carefront.feedback.reports import csv_safe, recovery_csv_rows, recovery_report
from carefront.feedback.selectors import (
    RecoveryFilters,
    access_recovery_task,
    recovery_task_page,
)
from carefront.feedback.services import recovery_close, recovery_reassign
from carefront.web import directory
from carefront.web.errors import agent_view, form_error, lead_view
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


# The report (leads and admins) ------------------------------------------------------------

REPORT_PERIODS = (7, 30, 90, 365)


def _report_params(request: HttpRequest) -> tuple[int, int | None]:
    days = request.GET.get("days", "")
    inbox = request.GET.get("inbox", "")
    return (
        int(days) if days.isdigit() and int(days) in REPORT_PERIODS else 30,
        int(inbox) if inbox.isdigit() and 0 < int(inbox) < 2**63 else None,
    )


def _bars(values: list[tuple[str, int]]) -> list[dict]:
    """Horizontal bars for the server-drawn SVG chart: label, value, width in percent."""
    top = max((v for _label, v in values), default=0) or 1
    return [
        {"label": label, "value": value, "width": round(100 * value / top), "y": 28 * i}
        for i, (label, value) in enumerate(values)
    ]


@lead_view
def recovery_report_view(request: HttpRequest) -> HttpResponse:
    days, inbox_id = _report_params(request)
    now = timezone.now()
    report = recovery_report(
        actor=request.user, since=now - dt.timedelta(days=days), inbox_id=inbox_id, now=now
    )
    outcomes = dict(RecoveryOutcome.choices)
    reasons = dict(RecoveryReason.choices)
    context = {
        "report": report,
        "days": days,
        "inbox_id": inbox_id,
        "periods": REPORT_PERIODS,
        "inboxes": directory.visible_inboxes(actor=request.user),
        "outcome_bars": _bars([(outcomes[k], v) for k, v in report.by_outcome.items()]),
        "reason_rows": [(reasons[k], v) for k, v in report.by_reason.items()],
        "chart_height": 28 * len(report.by_outcome),
    }
    return render(request, "web/recovery_report.html", context)


class _Echo:
    """A file-like object whose `write` hands the line back, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


@lead_view
def recovery_report_csv(request: HttpRequest) -> StreamingHttpResponse:
    days, inbox_id = _report_params(request)
    now = timezone.now()
    rows = recovery_csv_rows(
        actor=request.user, since=now - dt.timedelta(days=days), until=now, inbox_id=inbox_id
    )
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([csv_safe(cell) for cell in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="recovery-{now:%Y-%m-%d}-last-{days}-days.csv"'
    )
    return response
