"""Typed events of the feedback app, published after commit."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RatingReceived:
    """A customer rated a conversation, or changed their rating (`previous_score` set)."""

    rating_id: int
    conversation_id: int
    score: str
    previous_score: str | None = None


@dataclass(frozen=True, slots=True)
class NpsAnswered:
    """A customer answered an NPS invitation (0-10), or changed their answer (`previous_score`
    set). Detractors (0-6) are for recovery; comments for the feedback inbox."""

    response_id: int
    campaign_id: int
    customer_id: int
    score: int
    comment: str
    previous_score: int | None = None
