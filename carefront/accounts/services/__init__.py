"""Writes on agents and teams: the admin area and the agent's own profile call these."""

from .agents import (
    agent_create,
    agent_deactivate,
    agent_reactivate,
    agent_update,
    agent_update_profile,
)
from .teams import team_create, team_update

__all__ = [
    "agent_create",
    "agent_deactivate",
    "agent_reactivate",
    "agent_update",
    "agent_update_profile",
    "team_create",
    "team_update",
]
