"""Background tasks of the accounts app. Thin: they call a service."""

from django.tasks import task

from .services.availability import agent_away_check


@task()
def agent_away_check_task(agent_id: int, seen_at: str) -> str:
    """An agent's inactivity timer (enqueued with `run_after` at the moment it comes due)."""
    return agent_away_check(agent_id=agent_id, seen_at=seen_at)
