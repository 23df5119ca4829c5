"""The feedback report (CSAT, response rate, NPS, recovery by inbox, team or agent and period,
with charts) and the CSV export of each of its tables. Agents see their own figures, leads
their teams', admins everything (the selector decides)."""

import csv

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carefront.core.exceptions import InvalidInput
from carefront.feedback.reports import csv_safe, feedback_report
from carefront.web.errors import agent_view
from carefront.web.feedback_report import (
    csat_chart,
    nps_chart,
    ratings_bars,
    report_params,
    report_tables,
    table_by_slug,
)


def _report(request: HttpRequest):
    form, params = report_params(request.GET, default_time_zone=request.user.time_zone)
    report = feedback_report(
        actor=request.user,
        since=params.since,
        until=params.until,
        period=params.period,
        dimension=params.dimension,
        time_zone=params.time_zone,
    )
    return form, params, report


@require_GET
@agent_view
def feedback_report_view(request: HttpRequest) -> HttpResponse:
    try:
        form, params, report = _report(request)
    except InvalidInput as exc:
        form, params = report_params(request.GET, default_time_zone=request.user.time_zone)
        context = {"form": form, "params": params, "error": exc.message}
        return render(request, "web/feedback_report.html", context, status=400)
    context = {
        "form": form,
        "params": params,
        "report": report,
        "tables": report_tables(report),
        "csat_chart": csat_chart(report),
        "nps_chart": nps_chart(report),
        "bars": ratings_bars(report),
    }
    return render(request, "web/feedback_report.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    if value is None:
        return ""
    return csv_safe(str(value))


@require_GET
@agent_view
def feedback_report_csv(request: HttpRequest, table: str) -> StreamingHttpResponse:
    _form, params, report = _report(request)
    chosen = table_by_slug(report, table)
    if chosen is None:
        raise Http404
    writer = csv.writer(_Echo())
    lines = [chosen.columns, *chosen.rows]
    response = StreamingHttpResponse(
        (writer.writerow([_cell(cell) for cell in line]) for line in lines),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="feedback-{table}-{params.since:%Y-%m-%d}'
        f'-to-{params.until:%Y-%m-%d}.csv"'
    )
    return response
