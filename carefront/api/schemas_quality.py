"""Request and response shapes of auto-QA marks (docs/quality.md)."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from .schemas import Id, PageIn, Ref

BehaviourName = Literal[
    "greets_by_name",
    "thanks",
    "acknowledges_feelings",
    "next_step",
    "positive_language",
    "answers_questions",
    "readability",
    "promise_followed_up",
]
OutcomeName = Literal["passed", "missed", "not_applicable", "not_checked"]


class QaMarkOut(Schema):
    id: int
    message_id: int
    conversation_id: int
    agent: Ref
    team: Ref | None
    behaviour: BehaviourName
    outcome: OutcomeName
    evidence: str = Field(..., description="The words found (or missing) that explain it.")
    hint: str = Field(..., description="What the agent could do (empty when passed).")
    language: str
    version: str = Field(..., description="The rules that made the mark.")
    replied_at: dt.datetime
    checked_at: dt.datetime


class QaMarkPage(Schema):
    items: list[QaMarkOut]
    next_cursor: str | None


class QaMarkFilterIn(PageIn):
    conversation_id: Id | None = None
    agent_id: Id | None = None
    team_id: Id | None = None
    behaviour: BehaviourName | None = None
    outcome: OutcomeName | None = None
    since: dt.datetime | None = Field(None, description="Replies sent at or after.")
    until: dt.datetime | None = Field(None, description="Replies sent before.")
