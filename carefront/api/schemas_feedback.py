"""Request and response shapes of the feedback inbox and its themes (docs/feedback.md), as
they appear in the OpenAPI document. The literals are kept equal to the model's choices by a
test."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from .schemas import CustomerRef, Id, PageIn, Ref

CommentSourceName = Literal["csat", "nps", "article"]
SentimentName = Literal["negative", "neutral", "positive"]


class ThemeRef(Schema):
    id: int
    name: str


class FeedbackCommentOut(Schema):
    id: int
    source: CommentSourceName
    source_id: int = Field(..., description="The rating's id (csat) or the NPS answer's id (nps).")
    text: str
    sentiment: SentimentName = Field(
        ..., description="The score made comparable across sources (CSAT great = positive, …)."
    )
    score: int | None = Field(
        ..., description="As given: CSAT 1 (not good) to 3 (great), NPS 0-10."
    )
    score_label: str = Field(..., description="The score as shown: `Not good`, `9 / 10`.")
    customer: CustomerRef
    conversation_id: int | None
    inbox: Ref | None
    agent: Ref | None
    theme: ThemeRef | None = Field(..., description="Null: in no theme (yet).")
    placed_by_lead: bool = Field(
        ..., description="A lead put it in its theme (or out of any): a regroup leaves it there."
    )
    created_at: dt.datetime


class FeedbackCommentPage(Schema):
    items: list[FeedbackCommentOut]
    next_cursor: str | None


class FeedbackCommentFilterIn(PageIn):
    sentiment: SentimentName | None = None
    source: CommentSourceName | None = None
    inbox_id: Id | None = None
    agent_id: Id | None = None
    theme: Literal["none"] | Id | None = Field(
        None, description="A theme's id, or `none` for the comments in no theme."
    )
    since: dt.date | None = Field(None, description="From this day (in the server's time zone).")
    until: dt.date | None = Field(None, description="To this day, included.")


class ThemeTrendOut(Schema):
    weeks: list[dt.date] = Field(..., description="The Mondays of the last weeks, oldest first.")
    counts: list[int] = Field(..., description="New comments in the theme each of those weeks.")
    recent: int = Field(..., description="Comments in the later half of the weeks.")
    before: int = Field(..., description="Comments in the earlier half of the weeks.")
    growing: bool = Field(
        ..., description="At least 3 recent comments and half again as many as before."
    )


class ThemeOut(Schema):
    id: int
    name: str
    named_by_lead: bool = Field(..., description="A lead's name: a regroup keeps it.")
    keywords: list[str] = Field(..., description="Its most telling words, best first.")
    comment_count: int
    trend: ThemeTrendOut


class ThemePage(Schema):
    items: list[ThemeOut]
    next_cursor: str | None


class ThemeFilterIn(PageIn):
    limit: int = Field(100, ge=1, le=200)
    sort: Literal["size", "growth"] = Field(
        "size",
        description="`size`: largest first (keyset pages); `growth`: the themes growing most "
        "first (one page of every theme, as the inbox's themes-over-time page).",
    )


class ThemeRenameIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)


class ThemeMergeIn(Schema):
    into_id: Id = Field(..., description="The theme that receives every comment of this one.")


class ThemeSplitOut(Schema):
    kept: ThemeOut = Field(..., description="The larger half, still this theme.")
    new: ThemeOut = Field(..., description="The other half, a new theme.")


class CommentsMoveIn(Schema):
    comment_ids: list[Id] = Field(..., min_length=1, max_length=500)
    theme_id: Id | None = Field(None, description="Move into this theme.")
    new_theme_name: str = Field(
        "", max_length=120, description="Or into a new theme of this name (wins over theme_id)."
    )


class CommentsMoveOut(Schema):
    moved: int
    theme: ThemeRef | None = Field(..., description="Where they are now; null: in no theme.")


class RegroupOut(Schema):
    queued: bool = Field(..., description="The regroup runs in the background worker.")
