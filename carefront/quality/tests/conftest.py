import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


@pytest.fixture
def other_lead(db):
    """A lead of another team: must not see or review `agent`."""
    lead = AgentFactory(role=Role.LEAD, name="Otto Other")
    TeamFactory().members.add(lead)
    return lead
