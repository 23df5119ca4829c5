"""Request and response shapes of recovery tasks (docs/feedback.md), as they appear in the
OpenAPI document. The literals are kept equal to the model's choices by a test."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from .schemas import CustomerRef, Id, PageIn, Ref

RecoveryStateName = Literal["open", "closed"]
RecoveryReasonName = Literal["bad_rating", "negative_comment", "detractor"]
RecoveryOutcomeName = Literal["contacted", "resolved", "could_not_reach", "no_action_needed"]
SourceKindName = Literal["csat", "nps"]


class RecoverySourceOut(Schema):
    kind: SourceKindName
    id: int = Field(..., description="The rating's id (csat) or the NPS answer's id (nps).")


class SentimentDriverOut(Schema):
    text: str
    weight: float


class RecoveryTaskOut(Schema):
    id: int
    state: RecoveryStateName
    reason: RecoveryReasonName
    source: RecoverySourceOut
    score: str = Field(..., description="What the customer gave: `not_good`, `okay`, … or 0-10.")
    comment: str
    sentiment: float | None = Field(
        ..., description="The comment's sentiment, -1 to 1 (null without a comment)."
    )
    sentiment_drivers: list[SentimentDriverOut] = Field(
        ..., description="The words that drove the sentiment, strongest first."
    )
    customer: CustomerRef
    conversation_id: int | None
    inbox_id: int | None
    agent: Ref | None = Field(..., description="Who the experience is credited to.")
    owner: Ref | None = Field(..., description="Who follows up; null when nobody is chosen.")
    due_at: dt.datetime
    overdue: bool
    outcome: RecoveryOutcomeName | None
    note: str
    closed_by: Ref | None
    closed_at: dt.datetime | None
    created_at: dt.datetime


class RecoveryTaskPage(Schema):
    items: list[RecoveryTaskOut]
    next_cursor: str | None


class RecoveryFilterIn(PageIn):
    state: RecoveryStateName = Field(
        "open",
        description="`open` (by due time, overdue first) or `closed` (newest closed first).",
    )
    owner: Literal["me", "anyone", "unowned"] | Id = Field(
        "me", description="`me` (default), `anyone`, `unowned` or an agent id."
    )
    overdue: bool = Field(False, description="Open tasks past their due time only.")
    reason: RecoveryReasonName | None = None
    inbox_id: Id | None = None
    conversation_id: Id | None = None


class RecoveryCloseIn(Schema):
    outcome: RecoveryOutcomeName
    note: str = Field("", max_length=4000)


class RecoveryReassignIn(Schema):
    owner_id: Id | None = Field(..., description="An active agent's id, or null for nobody.")
