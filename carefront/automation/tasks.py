"""Background tasks of the automation app: the timers of chat routing and of auto-assignment.
Thin: they call a service."""

from django.tasks import task


@task()
def chat_offer_expire_task(conversation_id: int, version: int) -> str:
    """An offered chat's accept time is over (enqueued with `run_after` at that moment)."""
    from .routing import chat_offer_expire

    return chat_offer_expire(conversation_id=conversation_id, version=version)


@task()
def chat_wait_expire_task(conversation_id: int) -> str:
    """A waiting chat's wait time is over: it continues by email unless someone took it."""
    from .routing import chat_wait_expire

    return chat_wait_expire(conversation_id=conversation_id)


@task()
def agent_away_reassign_task(agent_id: int, changed_at: str) -> int:
    """An agent has been away for the reassignment limit (`run_after` at that moment)."""
    from .assignment import agent_away_reassign

    return agent_away_reassign(agent_id=agent_id, changed_at=changed_at)
