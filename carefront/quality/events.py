"""Typed events of the quality app, published after commit."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReplyChecked:
    """An agent's reply was checked (or re-checked): its marks are stored."""

    message_id: int
    conversation_id: int
    agent_id: int
    version: str


@dataclass(frozen=True, slots=True)
class ReviewCreated:
    """A lead reviewed an agent's work in a conversation (calibration reviews publish none)."""

    review_id: int
    conversation_id: int
    agent_id: int
    reviewer_id: int | None


@dataclass(frozen=True, slots=True)
class ReviewDisputed:
    """The reviewed agent disputed a review."""

    review_id: int
    agent_id: int


@dataclass(frozen=True, slots=True)
class ReviewDisputeResolved:
    """A lead accepted or rejected an agent's dispute."""

    review_id: int
    state: str
