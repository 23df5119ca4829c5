"""NPS campaigns and their results (read only; leads and admins; see docs/feedback.md).

Schemas live here rather than in schemas.py: they serve only these endpoints.
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from carefront.feedback.emails import nps_question
from carefront.feedback.models import NpsCampaign
from carefront.feedback.selectors import (
    NpsResults,
    nps_campaign_get,
    nps_campaign_list,
    nps_results,
)

from ..auth import caller
from ..pagination import keyset_page
from ..schemas import ErrorOut, Id, PageIn, ValidationErrorOut

router = Router(tags=["nps"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
PeriodName = Literal["week", "month"]


class NpsSegmentOut(Schema):
    attribute: str | None = Field(..., description="Custom attribute the customers must have.")
    value: str | None = Field(..., description="The value it must have (text as typed).")
    inbox_id: int | None = Field(..., description="Only customers with a conversation here.")
    contacted_within_days: int | None
    sample_percent: int


class NpsCampaignOut(Schema):
    id: int
    name: str
    question: str = Field(..., description="As customers read it (in English when default).")
    status: Literal["draft", "sending", "sent"]
    sender_inbox_id: int
    segment: NpsSegmentOut
    invited: int = Field(..., description="Invitations emailed so far.")
    responses: int
    created_by_id: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class NpsCampaignPage(Schema):
    items: list[NpsCampaignOut]
    next_cursor: str | None


class NpsPeriodOut(Schema):
    start: dt.datetime = Field(..., description="Start of the week (Monday) or month, UTC.")
    responses: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None


class NpsResultsOut(Schema):
    nps: float | None = Field(
        ..., description="% promoters (9-10) minus % detractors (0-6); null without answers."
    )
    responses: int
    promoters: int
    passives: int
    detractors: int
    invited: int
    response_rate: float | None = Field(
        ..., description="Answers per invitation sent, in percent; null when none was sent."
    )
    period: PeriodName
    trend: list[NpsPeriodOut]


class ResultsIn(Schema):
    period: PeriodName = Field("week", description="Group the trend by week or by month.")


def _campaign_out(campaign: NpsCampaign) -> dict:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "question": nps_question(campaign),
        "status": campaign.status,
        "sender_inbox_id": campaign.sender_inbox_id,
        "segment": {
            "attribute": campaign.segment_attribute or None,
            "value": campaign.segment_value or None,
            "inbox_id": campaign.segment_inbox_id,
            "contacted_within_days": campaign.contacted_within_days,
            "sample_percent": campaign.sample_percent,
        },
        "invited": campaign.invited_count,
        "responses": campaign.response_count,
        "created_by_id": campaign.created_by_id,
        "created_at": campaign.created_at,
        "started_at": campaign.started_at,
        "finished_at": campaign.finished_at,
    }


def _results_out(results: NpsResults) -> dict:
    return {
        "nps": results.nps,
        "responses": results.responses,
        "promoters": results.promoters,
        "passives": results.passives,
        "detractors": results.detractors,
        "invited": results.invited,
        "response_rate": results.response_rate,
        "period": results.period,
        "trend": [
            {
                "start": p.start,
                "responses": p.responses,
                "promoters": p.promoters,
                "passives": p.passives,
                "detractors": p.detractors,
                "nps": p.nps,
            }
            for p in results.trend
        ],
    }


@router.get("/nps/campaigns", response={200: NpsCampaignPage, **ERRORS})
def list_nps_campaigns(request: HttpRequest, page: Query[PageIn]):
    """Every NPS campaign, newest first, with how many were invited and answered."""
    result = keyset_page(
        nps_campaign_list(actor=caller(request)),
        key="id",
        kind="int",
        cursor=page.cursor,
        limit=page.limit,
        descending=True,
    )
    return {"items": [_campaign_out(c) for c in result.items], "next_cursor": result.next_cursor}


@router.get("/nps/campaigns/{campaign_id}", response={200: NpsCampaignOut, **ERRORS})
def get_nps_campaign(request: HttpRequest, campaign_id: Path[Id]):
    actor = caller(request)
    campaign = nps_campaign_get(actor=actor, campaign_id=campaign_id)
    return _campaign_out(nps_campaign_list(actor=actor).get(pk=campaign.pk))


@router.get("/nps/campaigns/{campaign_id}/results", response={200: NpsResultsOut, **ERRORS})
def get_nps_campaign_results(
    request: HttpRequest, campaign_id: Path[Id], filters: Query[ResultsIn]
):
    """The campaign's NPS, response rate and trend (every week or month with answers)."""
    actor = caller(request)
    campaign = nps_campaign_get(actor=actor, campaign_id=campaign_id)
    return _results_out(nps_results(actor=actor, campaign=campaign, period=filters.period))


@router.get("/nps/results", response={200: NpsResultsOut, **ERRORS})
def get_nps_results(request: HttpRequest, filters: Query[ResultsIn]):
    """NPS over all campaigns; the trend covers the last 26 weeks or 24 months."""
    return _results_out(nps_results(actor=caller(request), period=filters.period))
