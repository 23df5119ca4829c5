"""Workload signals: conversations handled, replies after hours in the agent's own time zone,
the longest run of days without a break, difficult conversations; scoped (agents their own,
leads their teams) and the same queries for a whole team."""

import datetime as dt

import pytest

from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.models import Message
from carefront.conversations.services import conversation_reply, conversation_set_status
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import NotFound, PermissionDenied
from carefront.quality.selectors_people import (
    team_workload_signals,
    workload_signals,
)

from .people_factories import after_commit, lead_of

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)  # a Monday
END = START + dt.timedelta(days=14)


def reply_at(conversation, agent, when: dt.datetime, body="Here you go."):
    with after_commit():
        message = conversation_reply(conversation=conversation, author=agent, body=body)
    Message.objects.filter(pk=message.pk).update(created_at=when)
    return message


def test_after_hours_are_counted_in_the_agents_own_time_zone(inbox, team):
    tokyo = AgentFactory(time_zone="Asia/Tokyo")
    team.members.add(tokyo)
    conversation = conversation_for(inbox, from_address="a@example.com")
    reply_at(conversation, tokyo, dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC))  # 10:00 Tokyo
    reply_at(conversation, tokyo, dt.datetime(2026, 11, 3, 12, 0, tzinfo=dt.UTC))  # 21:00 Tokyo
    reply_at(conversation, tokyo, dt.datetime(2026, 11, 7, 3, 0, tzinfo=dt.UTC))  # Saturday
    [signals] = workload_signals(agents=[tokyo], start=START, end=END)
    assert signals.replies == 3 and signals.after_hours == 2
    assert signals.conversations == 1


def test_days_without_a_break_is_the_longest_run_of_days_with_replies(inbox, agent):
    conversation = conversation_for(inbox, from_address="a@example.com")
    for day in [2, 3, 4, 5, 6, 7, 9, 10]:
        reply_at(conversation, agent, dt.datetime(2026, 11, day, 10, 0, tzinfo=dt.UTC))
    [signals] = workload_signals(agents=[agent], start=START, end=END)
    assert signals.longest_streak == 6


def test_difficult_conversations_negative_reopened_or_long(inbox, agent):
    angry = conversation_for(
        inbox,
        from_address="angry@example.com",
        body_text="This is terrible, I am furious and very disappointed. Awful service!",
    )
    calm = conversation_for(inbox, from_address="calm@example.com", body_text="Hello, a question.")
    reopened = conversation_for(inbox, from_address="again@example.com", body_text="Hello there.")
    for conversation in (angry, calm, reopened):
        reply_at(conversation, agent, START + dt.timedelta(days=1))
    with after_commit():
        conversation_set_status(conversation=reopened, status="solved", actor=agent)
    with after_commit():  # the customer came back: open again
        conversation_set_status(conversation=reopened, status="open", actor=None)
    reopened.refresh_from_db()
    [signals] = workload_signals(agents=[agent], start=START, end=END)
    assert signals.conversations == 3
    assert reopened.status == "open"
    assert signals.difficult == 2  # angry (negative words) and reopened, not calm
    assert signals.difficult_share == 67


def test_a_whole_team_costs_the_same_queries(inbox, team, django_assert_num_queries):
    lead = lead_of(team)
    members = [AgentFactory() for _ in range(4)]
    team.members.add(*members)
    for i, member in enumerate(members):
        conversation = conversation_for(inbox, from_address=f"c{i}@example.com")
        reply_at(conversation, member, START + dt.timedelta(hours=10 + i))
    # team, members, replies, long conversations, customer messages, reopened
    with django_assert_num_queries(6):
        _team, rows = team_workload_signals(actor=lead, team_id=team.pk, start=START, end=END)
    assert sum(r.replies for r in rows) == 4


def test_agents_cannot_read_a_teams_signals_and_leads_only_their_teams(agent, team, outsider):
    with pytest.raises(PermissionDenied):
        team_workload_signals(actor=agent, team_id=team.pk, start=START, end=END)
    other_lead = lead_of(outsider.teams.first())
    with pytest.raises(NotFound):
        team_workload_signals(actor=other_lead, team_id=team.pk, start=START, end=END)
