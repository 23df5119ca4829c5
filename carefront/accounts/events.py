"""Typed events about agents, published after commit (see carefront.core.events)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AgentDeactivated:
    agent_id: int
    actor_id: int


@dataclass(frozen=True, slots=True)
class AgentAvailabilityChanged:
    """Online / away / offline (carefront.accounts.models.Availability). `automatic`: Carefront
    set it (inactivity, sign-out), not the agent. Routing reacts to it (docs/routing.md)."""

    agent_id: int
    old: str
    new: str
    changed_at: str  # ISO 8601, the agent's `status_changed_at`
    automatic: bool
