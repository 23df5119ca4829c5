"""Agent availability: the status, the throttled activity heartbeat, away after inactivity and
offline at sign-out (docs/routing.md)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from carefront.accounts.models import Agent, Availability
from carefront.accounts.services import agent_seen, agent_set_availability
from carefront.accounts.services.availability import agent_away_check
from carefront.core.exceptions import InvalidInput

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def test_agents_start_offline_with_a_chat_capacity(agent):
    assert agent.availability == Availability.OFFLINE
    assert agent.chat_capacity == 3


def test_setting_the_status_records_when(agent):
    agent_set_availability(agent=agent, availability="online", now=NOW)
    agent.refresh_from_db()
    assert (agent.availability, agent.status_changed_at, agent.last_active_at) == (
        "online",
        NOW,
        NOW,
    )


def test_an_unknown_status_is_refused(agent):
    with pytest.raises(InvalidInput):
        agent_set_availability(agent=agent, availability="busy")
    agent.refresh_from_db()
    assert agent.availability == Availability.OFFLINE


def test_activity_is_written_at_most_once_a_minute(agent, django_assert_num_queries):
    agent_set_availability(agent=agent, availability="online", now=NOW)
    with django_assert_num_queries(0):
        assert not agent_seen(agent=agent, now=NOW + dt.timedelta(seconds=30))
    assert agent_seen(agent=agent, now=NOW + dt.timedelta(seconds=61))
    assert Agent.objects.get(pk=agent.pk).last_active_at == NOW + dt.timedelta(seconds=61)


def test_inactivity_makes_an_online_agent_away_and_activity_brings_them_back(agent, settings):
    settings.CAREFRONT_AWAY_AFTER_MINUTES = 10
    agent_set_availability(agent=agent, availability="online", now=NOW)
    seen = NOW.isoformat()

    assert agent_away_check(agent_id=agent.pk, seen_at=seen, now=NOW + dt.timedelta(minutes=9)) == (
        "not yet"
    )
    assert agent_away_check(
        agent_id=agent.pk, seen_at=seen, now=NOW + dt.timedelta(minutes=10)
    ) == ("away")
    agent.refresh_from_db()
    assert (agent.availability, agent.away_is_automatic) == ("away", True)

    agent_seen(agent=agent, now=NOW + dt.timedelta(minutes=12))
    agent.refresh_from_db()
    assert agent.availability == "online"


def test_an_older_timer_does_nothing_after_newer_activity(agent):
    agent_set_availability(agent=agent, availability="online", now=NOW)
    agent_seen(agent=agent, now=NOW + dt.timedelta(minutes=5))
    result = agent_away_check(
        agent_id=agent.pk, seen_at=NOW.isoformat(), now=NOW + dt.timedelta(minutes=30)
    )
    assert result == "active since"
    assert Agent.objects.get(pk=agent.pk).availability == "online"


def test_chosen_away_stays_away_on_activity(agent):
    agent_set_availability(agent=agent, availability="away", now=NOW)
    agent_seen(agent=agent, now=NOW + dt.timedelta(minutes=5))
    assert Agent.objects.get(pk=agent.pk).availability == "away"


def test_signing_out_makes_the_agent_offline(agent):
    agent_set_availability(agent=agent, availability="online")
    client = Client()
    client.force_login(agent)
    client.post(reverse("web:logout"))
    assert Agent.objects.get(pk=agent.pk).availability == "offline"
