import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.services import conversation_assign
from carefront.conversations.tests.factories import conversation_for


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead", time_zone="America/New_York")
    team.members.add(lead)
    return lead


@pytest.fixture
def conversation(inbox, agent, team):
    conversation = conversation_for(
        inbox, from_address="ana@example.com", from_name="Ana Lima", subject="Where is my parcel?"
    )
    conversation_assign(conversation=conversation, assignee=agent, team=team, actor=agent)
    conversation.refresh_from_db()
    return conversation
