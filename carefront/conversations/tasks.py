"""Background work of the conversations app. Tasks are thin: they call a service."""

import datetime as dt

from django.tasks import task

from carefront.accounts.models import Agent

from .services import conversations_release_from_agent
from .services.outbox import outbox_deliver
from .services.snooze import conversation_wake_due


@task()
def outbox_deliver_task(entry_id: int) -> str:
    return outbox_deliver(entry_id=entry_id)


@task()
def conversations_release_from_agent_task(agent_id: int, actor_id: int) -> int:
    agents = Agent.objects.in_bulk([agent_id, actor_id])
    return conversations_release_from_agent(agent=agents[agent_id], actor=agents[actor_id])


@task()
def conversation_wake_task(conversation_id: int, scheduled_for: str) -> str:
    """A snooze's timer, enqueued with `run_after` at the snooze's end."""
    return conversation_wake_due(
        conversation_id=conversation_id, scheduled_for=dt.datetime.fromisoformat(scheduled_for)
    )
