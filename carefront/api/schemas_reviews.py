"""Request and response shapes of scorecards and reviews (docs/quality.md)."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from .schemas import Id, PageIn, Ref

ScaleName = Literal["1-4", "1-5", "pass_fail"]
ReviewStateName = Literal["submitted", "disputed", "dispute_accepted", "dispute_rejected"]


class ScorecardCategoryOut(Schema):
    id: int
    key: str = Field(..., description="The same across versions; coaching goals follow it.")
    name: str
    description: str
    weight: int
    critical: bool
    behaviour: str | None = Field(..., description="The auto-QA behaviour that prefills it.")


class ScorecardOut(Schema):
    id: int
    name: str
    description: str
    active: bool
    version: int
    version_id: int
    scale: ScaleName
    categories: list[ScorecardCategoryOut]


class ScorecardCategoryIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    weight: int = Field(1, ge=1, le=100)
    critical: bool = False
    behaviour: str = Field("", max_length=32)
    description: str = Field("", max_length=4000)
    key: str = Field("", max_length=64, description="Keep a category's key when editing.")


class ScorecardIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=4000)
    scale: ScaleName
    categories: list[ScorecardCategoryIn] = Field(..., min_length=1, max_length=30)
    active: bool = True


class ReviewScorecardOut(Schema):
    id: int
    name: str
    version: int
    scale: ScaleName


class ReviewScoreOut(Schema):
    category_id: int
    key: str
    name: str
    weight: int
    critical: bool
    value: int | None = Field(..., description="null: not applicable.")
    comment: str
    prefill: str = Field(..., description="The auto-QA evidence the score was suggested from.")


class ReviewOut(Schema):
    id: int
    conversation_id: int
    agent: Ref
    reviewer: Ref | None
    scorecard: ReviewScorecardOut
    score: float | None = Field(..., description="Weighted, in percent of the scale.")
    failed: bool = Field(..., description="A critical category scored lowest.")
    comment: str
    state: ReviewStateName
    agent_reply: str
    dispute_reason: str
    disputed_at: dt.datetime | None
    resolution: str
    resolved_at: dt.datetime | None
    created_at: dt.datetime
    scores: list[ReviewScoreOut] | None = None


class ReviewPageOut(Schema):
    items: list[ReviewOut]
    next_cursor: str | None


class ReviewFilterIn(PageIn):
    agent_id: Id | None = None
    state: ReviewStateName | None = None
    mine: bool = Field(False, description="Only the reviews of the caller's own work.")


class ReviewScoreIn(Schema):
    category_id: Id
    value: int | None = Field(None, ge=-1, le=10)
    comment: str = Field("", max_length=4000)


class ReviewIn(Schema):
    conversation_id: Id
    agent_id: Id
    scorecard_id: Id
    scores: list[ReviewScoreIn] = Field(..., max_length=30)
    comment: str = Field("", max_length=4000)


class ReviewTextIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000)


class ReviewResolveIn(Schema):
    accept: bool
    resolution: str = Field("", max_length=4000)
    scores: list[ReviewScoreIn] | None = Field(None, max_length=30)
