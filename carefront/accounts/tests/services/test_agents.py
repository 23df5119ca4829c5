import pytest

from carefront.accounts.models import Role
from carefront.accounts.services import (
    agent_create,
    agent_deactivate,
    agent_update,
    agent_update_profile,
)
from carefront.core.exceptions import InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db


def test_admin_creates_agent_in_teams(admin, team):
    agent = agent_create(
        actor=admin,
        email="Ana@Carefront.test",
        name="Ana",
        password="a-good-long-passphrase",
        role=Role.AGENT,
        teams=[team],
    )
    assert agent.email == "ana@carefront.test"
    assert list(agent.teams.all()) == [team]
    assert agent.check_password("a-good-long-passphrase")
    assert not agent.is_staff


def test_non_admin_cannot_create_agents(agent):
    with pytest.raises(PermissionDenied):
        agent_create(actor=agent, email="x@y.z", name="X", password="a-good-long-passphrase")


def test_duplicate_email_is_refused(admin, agent):
    with pytest.raises(InvalidInput):
        agent_create(actor=admin, email=agent.email, name="X", password="a-good-long-passphrase")


def test_admin_role_grants_back_office(admin, agent):
    agent_update(actor=admin, agent=agent, name=agent.name, role=Role.ADMIN, teams=[])
    assert agent.is_staff


def test_admin_cannot_demote_themselves(admin):
    with pytest.raises(InvalidInput):
        agent_update(actor=admin, agent=admin, name="Me", role=Role.AGENT, teams=[])


def test_deactivated_agent_cannot_sign_in(admin, agent, client):
    agent_deactivate(actor=admin, agent=agent)
    assert not client.login(username=agent.email, password="password")


def test_profile_rejects_unknown_time_zone(agent):
    with pytest.raises(InvalidInput):
        agent_update_profile(agent=agent, name="A", time_zone="Nowhere/Land", signature="")


def test_profile_normalises_signature_line_endings(agent):
    agent_update_profile(agent=agent, name="A", time_zone="UTC", signature="Bye\r\nA ")
    assert agent.signature == "Bye\nA"
