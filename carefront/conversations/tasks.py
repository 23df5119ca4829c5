"""Background work of the conversations app. Tasks are thin: they call a service."""

from django.tasks import task

from carefront.accounts.models import Agent

from .services import conversations_release_from_agent
from .services.outbox import outbox_deliver


@task()
def outbox_deliver_task(entry_id: int) -> str:
    return outbox_deliver(entry_id=entry_id)


@task()
def conversations_release_from_agent_task(agent_id: int, actor_id: int) -> int:
    agents = Agent.objects.in_bulk([agent_id, actor_id])
    return conversations_release_from_agent(agent=agents[agent_id], actor=agents[actor_id])
