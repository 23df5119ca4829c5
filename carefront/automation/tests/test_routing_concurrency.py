"""Two chats routed at the same moment cannot both take an agent's last chat slot (PostgreSQL:
the agent's row is locked and their room checked again under the lock)."""

import threading

import pytest
from django.db import connection, connections

from carefront.accounts.models import Availability, Role
from carefront.accounts.services import agent_set_availability
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.automation.models import ChatRouting, ChatState
from carefront.automation.routing import chat_route
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_chats_respect_capacity():
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite serialises writers)")
    team = TeamFactory()
    inbox = InboxFactory(teams=[team], channel="chat")
    agent = AgentFactory(role=Role.AGENT, chat_capacity=1)
    team.members.add(agent)
    agent_set_availability(agent=agent, availability=Availability.ONLINE)
    chats = [conversation_for(inbox) for _ in range(4)]
    start = threading.Barrier(len(chats))
    errors: list[BaseException] = []

    def route(conversation_id: int) -> None:
        try:
            start.wait()
            chat_route(conversation_id=conversation_id)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=route, args=(c.pk,)) for c in chats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    states = sorted(ChatRouting.objects.values_list("state", flat=True))
    assert states.count(ChatState.OFFERED) == 1
    assert states.count(ChatState.QUEUED) == 3
