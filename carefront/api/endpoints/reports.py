"""Reports (read only; see docs/feedback.md "Reports"): the feedback report's figures as JSON,
the same as the page at /feedback/report/. Agents get their own figures, leads their teams',
admins everything.

Schemas live here rather than in schemas.py: they serve only these endpoints.
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from carefront.feedback.reports import (
    CsatFigures,
    FeedbackReport,
    NpsFigures,
    RecoveryFigures,
    feedback_report,
)

from ..auth import caller
from ..schemas import ErrorOut, ValidationErrorOut

router = Router(tags=["reports"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}


class FeedbackReportIn(Schema):
    since: dt.date = Field(..., description="First day of the range, in `tz`.")
    until: dt.date = Field(..., description="Last day of the range (included), in `tz`.")
    period: Literal["day", "week", "month"] = Field(
        "week", description="Trend per day, week (from Monday) or month."
    )
    by: Literal["inbox", "team", "agent"] = Field("inbox", description="What a row is.")
    tz: str = Field("UTC", max_length=64, description="IANA time zone the days are cut in.")


class CsatOut(Schema):
    ratings: int
    great: int
    okay: int
    not_good: int
    csat: float | None = Field(..., description="% of ratings that are great; null without.")
    average: float | None = Field(..., description="Mean score: great 3, okay 2, not good 1.")
    surveys_sent: int = Field(..., description="Surveys sent in the period.")
    surveys_answered: int = Field(..., description="Of those, how many were rated.")
    response_rate: float | None


class NpsOut(Schema):
    nps: float | None
    responses: int
    promoters: int
    passives: int
    detractors: int
    invited: int
    response_rate: float | None


class RecoveryOut(Schema):
    opened: int
    closed: int
    closed_on_time: int
    on_time_pct: float | None
    median_hours: float | None = Field(..., description="Median time from opened to closed.")
    p90_hours: float | None
    by_outcome: dict[str, int]


class FeedbackRowOut(Schema):
    id: int | None = Field(..., description="The inbox, team or agent; null for none.")
    name: str
    csat: CsatOut
    nps: NpsOut | None = Field(..., description="By inbox only (the campaign's inbox).")
    recovery: RecoveryOut


class FeedbackPeriodOut(Schema):
    start: dt.date = Field(..., description="First day of the period, in `tz`.")
    csat: CsatOut
    nps: NpsOut | None
    recovery: RecoveryOut


class FeedbackReportOut(Schema):
    since: dt.date
    until: dt.date
    tz: str
    period: str
    by: str
    scope: Literal["all", "teams", "own"] = Field(
        ..., description="What the caller may see: everything, their teams', their own."
    )
    csat: CsatOut
    nps: NpsOut | None = Field(..., description="Null for agents (NPS is not theirs).")
    recovery: RecoveryOut
    rows: list[FeedbackRowOut]
    trend: list[FeedbackPeriodOut]


def _csat(c: CsatFigures) -> dict:
    return {
        "ratings": c.ratings,
        "great": c.great,
        "okay": c.okay,
        "not_good": c.not_good,
        "csat": c.csat,
        "average": c.average,
        "surveys_sent": c.sent,
        "surveys_answered": c.answered,
        "response_rate": c.response_rate,
    }


def _nps(n: NpsFigures | None) -> dict | None:
    if n is None:
        return None
    return {
        "nps": n.nps,
        "responses": n.responses,
        "promoters": n.promoters,
        "passives": n.passives,
        "detractors": n.detractors,
        "invited": n.invited,
        "response_rate": n.response_rate,
    }


def _recovery(r: RecoveryFigures) -> dict:
    return {
        "opened": r.opened,
        "closed": r.closed,
        "closed_on_time": r.closed_on_time,
        "on_time_pct": r.on_time_pct,
        "median_hours": r.median_hours,
        "p90_hours": r.p90_hours,
        "by_outcome": r.by_outcome,
    }


def _report_out(report: FeedbackReport) -> dict:
    return {
        "since": report.since,
        "until": report.until,
        "tz": report.time_zone,
        "period": report.period,
        "by": report.dimension,
        "scope": report.scope,
        "csat": _csat(report.csat),
        "nps": _nps(report.nps) if report.shows_nps else None,
        "recovery": _recovery(report.recovery),
        "rows": [
            {
                "id": row.key,
                "name": row.name,
                "csat": _csat(row.csat),
                "nps": _nps(row.nps),
                "recovery": _recovery(row.recovery),
            }
            for row in report.rows
        ],
        "trend": [
            {
                "start": p.start,
                "csat": _csat(p.csat),
                "nps": _nps(p.nps) if report.shows_nps else None,
                "recovery": _recovery(p.recovery),
            }
            for p in report.trend
        ],
    }


@router.get("/reports/feedback", response={200: FeedbackReportOut, **ERRORS})
def get_feedback_report(request: HttpRequest, filters: Query[FeedbackReportIn]):
    """CSAT, survey response rate, NPS and recovery (outcomes, time to recover) of a range of
    days, per inbox, team or agent and per day, week or month, as on the report page."""
    report = feedback_report(
        actor=caller(request),
        since=filters.since,
        until=filters.until,
        period=filters.period,
        dimension=filters.by,
        time_zone=filters.tz,
    )
    return _report_out(report)
