"""The feedback report's form, tables and charts. Each table is defined once, here: the page
shows it and its CSV export writes it, so the two never disagree."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carefront.feedback.models import RecoveryOutcome
from carefront.feedback.reports import REPORT_DIMENSIONS, REPORT_PERIODS, FeedbackReport
from carefront.web.nps_chart import line_chart

DEFAULT_DAYS = 30


class FeedbackReportForm(forms.Form):
    """The report's parameters, from the query string. A bad or missing value falls back to
    its default (the last 30 days by week, by inbox, in the reader's time zone); the
    selector refuses what is still wrong (an end before the start, too long a range)."""

    since = forms.DateField(label=gettext_lazy("From"), required=False)
    until = forms.DateField(label=gettext_lazy("To"), required=False)
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        choices=[
            ("day", gettext_lazy("Day")),
            ("week", gettext_lazy("Week")),
            ("month", gettext_lazy("Month")),
        ],
    )
    by = forms.ChoiceField(
        label=gettext_lazy("By"),
        required=False,
        choices=[
            ("inbox", gettext_lazy("Inbox")),
            ("team", gettext_lazy("Team")),
            ("agent", gettext_lazy("Agent")),
        ],
    )
    tz = forms.CharField(label=gettext_lazy("Time zone"), required=False, max_length=64)

    def clean_tz(self) -> str:
        value = self.cleaned_data.get("tz") or ""
        if not value:
            return ""
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise forms.ValidationError(_("Unknown time zone.")) from exc
        return value


@dataclass(frozen=True)
class ReportParams:
    since: dt.date
    until: dt.date
    period: str
    dimension: str
    time_zone: str

    def query(self) -> str:
        return (
            f"since={self.since.isoformat()}&until={self.until.isoformat()}"
            f"&period={self.period}&by={self.dimension}&tz={self.time_zone}"
        )


def report_params(data: dict, *, default_time_zone: str) -> tuple[FeedbackReportForm, ReportParams]:
    form = FeedbackReportForm(data)
    form.is_valid()  # a bad link still shows a report, with the defaults
    cleaned = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    time_zone = cleaned.get("tz") or default_time_zone
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(time_zone)).date()
    until = cleaned.get("until") or today
    since = cleaned.get("since") or until - dt.timedelta(days=DEFAULT_DAYS - 1)
    period = cleaned.get("period") if cleaned.get("period") in REPORT_PERIODS else "week"
    dimension = cleaned.get("by") if cleaned.get("by") in REPORT_DIMENSIONS else "inbox"
    return form, ReportParams(
        since=since, until=until, period=period, dimension=dimension, time_zone=time_zone
    )


# Tables ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    columns: list[str]
    # Cells as values (numbers, text, None for "no figure").
    rows: list[list]


def _period_label(start: dt.date, period: str) -> str:
    return start.strftime("%Y-%m") if period == "month" else start.isoformat()


def report_tables(report: FeedbackReport) -> list[Table]:
    """The report's tables, in the order the page shows them."""
    dimension_label = {"inbox": _("Inbox"), "team": _("Team"), "agent": _("Agent")}
    nps_per_row = report.shows_nps and report.dimension == "inbox"
    csat_columns = [
        _("Ratings"),
        _("Great"),
        _("Okay"),
        _("Not good"),
        _("CSAT (% great)"),
        _("Average (1 to 3)"),
        _("Surveys sent"),
        _("Surveys answered"),
        _("Response rate (%)"),
    ]
    nps_columns = [_("NPS"), _("NPS answers"), _("NPS invitations"), _("NPS response rate (%)")]
    recovery_columns = [
        _("Recovery tasks opened"),
        _("Recovery tasks closed"),
        _("Median hours to recover"),
        _("P90 hours to recover"),
    ]

    def csat_cells(c) -> list:
        return [
            c.ratings,
            c.great,
            c.okay,
            c.not_good,
            c.csat,
            c.average,
            c.sent,
            c.answered,
            c.response_rate,
        ]

    def nps_cells(n) -> list:
        if n is None:
            return [None, 0, 0, None]
        return [n.nps, n.responses, n.invited, n.response_rate]

    def recovery_cells(r) -> list:
        return [r.opened, r.closed, r.median_hours, r.p90_hours]

    by_rows = Table(
        slug=report.dimension,
        title={
            "inbox": _("By inbox"),
            "team": _("By team"),
            "agent": _("By agent"),
        }[report.dimension],
        columns=[dimension_label[report.dimension], *csat_columns]
        + (nps_columns if nps_per_row else [])
        + recovery_columns,
        rows=[
            [row.name, *csat_cells(row.csat)]
            + (nps_cells(row.nps) if nps_per_row else [])
            + recovery_cells(row.recovery)
            for row in report.rows
        ],
    )
    period_title = {"day": _("Day"), "week": _("Week of"), "month": _("Month")}[report.period]
    trend = Table(
        slug="trend",
        title=_("By period"),
        columns=[period_title, *csat_columns]
        + (nps_columns if report.shows_nps else [])
        + recovery_columns,
        rows=[
            [_period_label(p.start, report.period), *csat_cells(p.csat)]
            + (nps_cells(p.nps) if report.shows_nps else [])
            + recovery_cells(p.recovery)
            for p in report.trend
        ],
    )
    outcomes = dict(RecoveryOutcome.choices)
    recovery = Table(
        slug="recovery",
        title=_("Recovery outcomes"),
        columns=[_("Outcome"), _("Tasks")],
        rows=[
            [str(label), report.recovery.by_outcome.get(value, 0)]
            for value, label in outcomes.items()
        ]
        + [[_("Still open"), report.recovery.opened - report.recovery.closed]],
    )
    return [by_rows, trend, recovery]


def table_by_slug(report: FeedbackReport, slug: str) -> Table | None:
    return next((t for t in report_tables(report) if t.slug == slug), None)


# Charts ------------------------------------------------------------------------------------------

BAR_WIDTH = 640
BAR_HEIGHT = 160
BAR_LEFT = 36
BAR_TOP = 8
BAR_BOTTOM = 24


def ratings_bars(report: FeedbackReport) -> dict | None:
    """Stacked bars of the ratings per period (great, okay, not good, from the bottom), with
    their SVG geometry; None without ratings."""
    top = max((p.csat.ratings for p in report.trend), default=0)
    if not top:
        return None
    count = len(report.trend)
    slot = (BAR_WIDTH - BAR_LEFT) / count
    width = max(1.0, round(slot * 0.7, 1))
    scale = (BAR_HEIGHT - BAR_TOP - BAR_BOTTOM) / top
    bars = []
    for i, p in enumerate(report.trend):
        x = round(BAR_LEFT + i * slot + (slot - width) / 2, 1)
        bottom = BAR_HEIGHT - BAR_BOTTOM
        parts = []
        for name, value in (
            ("great", p.csat.great),
            ("okay", p.csat.okay),
            ("bad", p.csat.not_good),
        ):
            height = round(value * scale, 1)
            parts.append({"name": name, "y": round(bottom - height, 1), "height": height})
            bottom -= height
        bars.append(
            {
                "x": x,
                "label": _period_label(p.start, report.period),
                "csat": p.csat,
                "parts": [part for part in parts if part["height"]],
                "label_x": round(x + width / 2, 1),
            }
        )
    every = max(1, count // 8)
    return {
        "width": BAR_WIDTH,
        "height": BAR_HEIGHT,
        "bar_width": width,
        "bars": bars,
        "labels": bars[::every],
        "label_y": BAR_HEIGHT - 6,
        "top": top,
        "top_y": BAR_TOP,
        "base_y": BAR_HEIGHT - BAR_BOTTOM,
        "left": BAR_LEFT,
        "right": BAR_WIDTH,
    }


def csat_chart(report: FeedbackReport) -> dict | None:
    return line_chart(
        [
            (_period_label(p.start, report.period), p.csat.csat, p.csat.ratings)
            for p in report.trend
        ],
        low=0,
        high=100,
        grid=(100, 75, 50, 25, 0),
    )


def nps_chart(report: FeedbackReport) -> dict | None:
    if not report.shows_nps:
        return None
    return line_chart(
        [(_period_label(p.start, report.period), p.nps.nps, p.nps.responses) for p in report.trend],
        low=-100,
        high=100,
        grid=(100, 50, 0, -50, -100),
    )
