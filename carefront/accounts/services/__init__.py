"""Writes on agents and teams: the admin area and the agent's own profile call these."""

from .agents import (
    agent_create,
    agent_deactivate,
    agent_reactivate,
    agent_update,
    agent_update_profile,
)
from .availability import agent_seen, agent_set_availability
from .teams import team_create, team_update
from .tokens import api_token_authenticate, api_token_create, api_token_revoke

__all__ = [
    "agent_create",
    "agent_deactivate",
    "agent_reactivate",
    "agent_seen",
    "agent_set_availability",
    "agent_update",
    "agent_update_profile",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "team_create",
    "team_update",
]
