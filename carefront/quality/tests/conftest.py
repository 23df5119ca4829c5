"""Fixtures of the quality tests: a lead of the agent's team, a conversation with a named
customer, and a reply sent the way the composer sends it (events and tasks run)."""

import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.services import conversation_reply
from carefront.conversations.tests.factories import conversation_for
from carefront.feedback.tests.factories import after_commit


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


@pytest.fixture
def other_lead(outsider):
    lead = AgentFactory(role=Role.LEAD, name="Olaf Other")
    outsider.teams.first().members.add(lead)
    return lead


@pytest.fixture
def conversation(inbox):
    return conversation_for(
        inbox,
        from_address="ana@example.com",
        from_name="Ana Lima",
        subject="Where is my parcel?",
        body_text="My parcel is late again and nobody answers. Where is it?",
    )


def send_reply(conversation, agent, body: str, status: str | None = None):
    """Send a reply and run what follows the commit (the check task runs at once in tests)."""
    with after_commit():
        return conversation_reply(conversation=conversation, author=agent, body=body, status=status)
