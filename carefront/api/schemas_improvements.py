"""Request and response shapes of improvements ("you said, we did", docs/feedback.md), as they
appear in the OpenAPI document. The literals are kept equal to the model's choices by a test."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from .schemas import Id, PageIn, Ref

ImprovementStatusName = Literal["planned", "in_progress", "shipped"]
OpenImprovementStatusName = Literal["planned", "in_progress"]


class ImprovementOut(Schema):
    id: int
    title: str
    description: str
    customer_message: str = Field(
        ..., description="What each customer who asked is told when it ships."
    )
    status: ImprovementStatusName
    shipped_at: dt.datetime | None
    shipped_by: Ref | None
    customers_linked: int = Field(..., description="Customers linked (each once).")
    customers_told: int = Field(..., description="Customers told it shipped (each once).")
    created_by: Ref | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ImprovementPage(Schema):
    items: list[ImprovementOut]
    next_cursor: str | None


class ImprovementFilterIn(PageIn):
    status: ImprovementStatusName | None = None


class ImprovementCreateIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=4000)
    customer_message: str = Field("", max_length=4000)
    status: OpenImprovementStatusName = "planned"


class ImprovementUpdateIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=4000)
    customer_message: str | None = Field(None, max_length=4000)
    status: OpenImprovementStatusName | None = Field(
        None, description="Mark it shipped with POST …/ship, which tells its customers."
    )


class ImprovementLinkIn(Schema):
    comment_ids: list[Id] = Field(
        default_factory=list, max_length=500, description="Feedback comments (at most 500)."
    )
    conversation_ids: list[Id] = Field(
        default_factory=list, max_length=500, description="Conversations (at most 500)."
    )
    theme_id: Id | None = Field(None, description="Every comment of this theme.")


class ImprovementLinkOut(Schema):
    links_added: int
    customers_added: int
    improvement: ImprovementOut
