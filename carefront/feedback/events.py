"""Typed events of the feedback app, published after commit."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RatingReceived:
    """A customer rated a conversation, or changed their rating (`previous_score` set)."""

    rating_id: int
    conversation_id: int
    score: str
    previous_score: str | None = None
