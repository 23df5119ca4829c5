"""Auto-assignment (docs/routing.md): round-robin and least loaded within capacity, skipping
away, offline and deactivated agents; teams; reassignment after an away limit."""

import datetime as dt

import pytest

from carefront.accounts.models import Availability, Role
from carefront.accounts.services import agent_set_availability
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.automation.assignment import agent_away_reassign, conversation_auto_assign
from carefront.automation.models import AssignmentPolicy, AssignmentStrategy
from carefront.conversations.models import Conversation, ConversationEvent, EventKind
from carefront.conversations.services import conversation_assign
from carefront.conversations.tests.factories import conversation_for
from carefront.web.templatetags.carefront_web import describe_event

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def online(team, **fields):
    agent = AgentFactory(role=Role.AGENT, **fields)
    team.members.add(agent)
    agent_set_availability(agent=agent, availability=Availability.ONLINE)
    return agent


@pytest.fixture
def policy(inbox):
    return AssignmentPolicy.objects.create(inbox=inbox, strategy=AssignmentStrategy.ROUND_ROBIN)


def new_conversation(inbox, capture):
    with capture(execute=True):
        return conversation_for(inbox)


def assignee(conversation) -> int | None:
    return Conversation.objects.get(pk=conversation.pk).assignee_id


def test_new_conversations_go_round_robin(inbox, team, policy, django_capture_on_commit_callbacks):
    ana, ben, cy = online(team), online(team), online(team)
    got = [assignee(new_conversation(inbox, django_capture_on_commit_callbacks)) for _ in range(4)]
    assert got == [ana.pk, ben.pk, cy.pk, ana.pk]


def test_the_timeline_says_why(inbox, team, policy, django_capture_on_commit_callbacks):
    online(team)
    conversation = new_conversation(inbox, django_capture_on_commit_callbacks)
    event = ConversationEvent.objects.get(conversation=conversation, kind=EventKind.ASSIGNED)
    assert event.data["reason"] == "round_robin"
    assert "round-robin" in describe_event(event, {})


def test_least_loaded_picks_the_agent_with_fewest_open_conversations(
    inbox, team, policy, django_capture_on_commit_callbacks
):
    ana, ben = online(team), online(team)
    for _ in range(2):
        c = conversation_for(inbox)
        conversation_assign(conversation=c, assignee=ana, actor=ana)
    policy.strategy = AssignmentStrategy.LEAST_LOADED
    policy.save()

    got = [assignee(new_conversation(inbox, django_capture_on_commit_callbacks)) for _ in range(3)]

    # Ben has none: he gets two before Ana (two open) is level with him.
    assert got[:2] == [ben.pk, ben.pk]
    event = ConversationEvent.objects.filter(kind=EventKind.ASSIGNED, data__reason="least_loaded")
    assert event.exists()
    assert "least loaded" in describe_event(event.first(), {})


def test_capacity_away_offline_and_deactivated_are_skipped(
    inbox, team, policy, django_capture_on_commit_callbacks
):
    full = online(team, conversation_capacity=1)
    conversation_assign(conversation=conversation_for(inbox), assignee=full, actor=full)
    away = online(team)
    agent_set_availability(agent=away, availability=Availability.AWAY)
    AgentFactory(role=Role.AGENT).teams.add(team)  # offline
    gone = online(team)
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    conversation = new_conversation(inbox, django_capture_on_commit_callbacks)
    assert assignee(conversation) is None

    free = online(team)
    assert conversation_auto_assign(conversation_id=conversation.pk) == free


def test_without_a_policy_nothing_is_assigned(inbox, team, django_capture_on_commit_callbacks):
    online(team)
    assert assignee(new_conversation(inbox, django_capture_on_commit_callbacks)) is None


def test_a_disabled_policy_assigns_nothing(inbox, team, policy, django_capture_on_commit_callbacks):
    online(team)
    policy.enabled = False
    policy.save()
    assert assignee(new_conversation(inbox, django_capture_on_commit_callbacks)) is None


def test_moved_to_a_team_without_assignee_goes_to_that_team(
    inbox, team, agent, django_capture_on_commit_callbacks
):
    specialists = TeamFactory()
    inbox.teams.add(specialists)
    expert = online(specialists)
    online(team)
    AssignmentPolicy.objects.create(team=specialists)
    conversation = conversation_for(inbox)

    with django_capture_on_commit_callbacks(execute=True):
        conversation_assign(conversation=conversation, assignee=None, actor=agent, team=specialists)

    assert assignee(conversation) == expert.pk


def test_an_agent_away_beyond_the_limit_has_their_conversations_reassigned(
    inbox, team, policy, django_capture_on_commit_callbacks
):
    policy.reassign_after_away_minutes = 30
    policy.save()
    ana, ben = online(team), online(team)
    conversation = conversation_for(inbox)
    conversation_assign(conversation=conversation, assignee=ana, actor=ana)
    agent_set_availability(agent=ana, availability=Availability.AWAY, now=NOW)
    changed = NOW.isoformat()

    assert (
        agent_away_reassign(agent_id=ana.pk, changed_at=changed, now=NOW + dt.timedelta(minutes=29))
        == 0
    )
    assert assignee(conversation) == ana.pk
    assert (
        agent_away_reassign(agent_id=ana.pk, changed_at=changed, now=NOW + dt.timedelta(minutes=30))
        == 1
    )

    assert assignee(conversation) == ben.pk
    event = ConversationEvent.objects.filter(
        conversation=conversation, kind=EventKind.ASSIGNED
    ).latest("id")
    assert event.data["reason"] == "away_reassigned"
    assert event.data["away_minutes"] == 30
    assert "was away for 30 minutes" in describe_event(event, {})


def test_an_agent_back_online_keeps_their_conversations(inbox, team, policy):
    policy.reassign_after_away_minutes = 30
    policy.save()
    ana = online(team)
    online(team)
    conversation = conversation_for(inbox)
    conversation_assign(conversation=conversation, assignee=ana, actor=ana)
    agent_set_availability(agent=ana, availability=Availability.AWAY, now=NOW)
    agent_set_availability(agent=ana, availability=Availability.ONLINE, now=NOW)

    moved = agent_away_reassign(
        agent_id=ana.pk, changed_at=NOW.isoformat(), now=NOW + dt.timedelta(hours=2)
    )

    assert moved == 0
    assert assignee(conversation) == ana.pk


def test_nobody_to_take_over_returns_it_to_the_unassigned_queue(inbox, team, policy):
    policy.reassign_after_away_minutes = 5
    policy.save()
    ana = online(team)
    conversation = conversation_for(inbox)
    conversation_assign(conversation=conversation, assignee=ana, actor=ana)
    agent_set_availability(agent=ana, availability=Availability.OFFLINE, now=NOW)

    agent_away_reassign(
        agent_id=ana.pk, changed_at=NOW.isoformat(), now=NOW + dt.timedelta(hours=1)
    )

    assert assignee(conversation) is None


def test_candidates_cost_a_fixed_number_of_queries(inbox, team, policy, django_assert_num_queries):
    from carefront.automation.assignment import assignment_candidates

    for _ in range(5):
        online(team)
    with django_assert_num_queries(1):
        assert len(list(assignment_candidates(policy=policy, inbox_id=inbox.pk))) == 5
