"""Typed events of the quality app, published after commit."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReplyChecked:
    """An agent's reply was checked (or re-checked): its marks are stored."""

    message_id: int
    conversation_id: int
    agent_id: int
    version: str
