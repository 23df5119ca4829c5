import pytest

from carefront.accounts.services import team_create, team_update
from carefront.core.exceptions import InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db


def test_admin_creates_team_with_members(admin, agent):
    team = team_create(actor=admin, name="  Returns  ", members=[agent])
    assert team.name == "Returns"
    assert list(team.members.all()) == [agent]


def test_team_names_are_unique_ignoring_case(admin, team):
    with pytest.raises(InvalidInput):
        team_create(actor=admin, name=team.name.upper())


def test_renaming_a_team_to_its_own_name_is_fine(admin, team, agent):
    team_update(actor=admin, team=team, name=team.name, description="d", members=[agent])
    assert list(team.members.all()) == [agent]


def test_agent_cannot_create_teams(agent):
    with pytest.raises(PermissionDenied):
        team_create(actor=agent, name="Mine")
