import pytest

from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.automation.models import SavedReply
from carefront.web import directory

pytestmark = pytest.mark.django_db


def _names(choices) -> list[str]:
    return [choice.name for choice in choices]


def test_an_agent_joining_a_team_becomes_assignable_in_its_inboxes(inbox, agent):
    newcomer = AgentFactory(name="Zoe Newcomer")
    assert "Zoe Newcomer" not in _names(directory.assignable_agents(inbox_id=inbox.pk))
    inbox.teams.first().members.add(newcomer)
    assert "Zoe Newcomer" in _names(directory.assignable_agents(inbox_id=inbox.pk))


def test_a_team_given_an_inbox_makes_its_members_assignable(inbox):
    other = TeamFactory()
    member = AgentFactory(name="Omar Other")
    other.members.add(member)
    assert "Omar Other" not in _names(directory.assignable_agents(inbox_id=inbox.pk))
    inbox.teams.add(other)
    assert "Omar Other" in _names(directory.assignable_agents(inbox_id=inbox.pk))


def test_a_deactivated_agent_leaves_the_lists(inbox, agent):
    assert agent.name in _names(directory.active_agents())
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert agent.name not in _names(directory.active_agents())
    assert agent.name not in _names(directory.assignable_agents(inbox_id=inbox.pk))


def test_saved_reply_titles_follow_renames_and_deletes():
    reply = SavedReply.objects.create(title="Shipping times", body="Two days.")
    assert _names(directory.saved_replies()) == ["Shipping times"]
    reply.title = "Delivery times"
    reply.save()
    assert _names(directory.saved_replies()) == ["Delivery times"]
    reply.delete()
    assert directory.saved_replies() == []


def test_lists_are_served_from_the_cache_until_something_changes(inbox, django_assert_num_queries):
    directory.teams()
    with django_assert_num_queries(0):
        directory.teams()
    TeamFactory(name="Night shift")
    with django_assert_num_queries(1):
        assert "Night shift" in _names(directory.teams())
