"""Typed events about agents, published after commit (see carefront.core.events)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AgentDeactivated:
    agent_id: int
    actor_id: int
