""" "Outside business hours" on the inbox and conversation pages: shown when the conversation's
inbox calendar (else its team's) is closed, with when it opens in the viewer's time zone, at a
constant number of queries."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.conversations.models import Conversation
from carefront.conversations.tests.factories import conversation_for
from carefront.sla.services import business_calendar_create, business_calendar_update

pytestmark = pytest.mark.django_db

OFFICE_HOURS = {day: [(9 * 60, 17 * 60)] for day in range(5)}  # Mon-Fri 09:00-17:00
# Saturday 2026-03-07 12:00 in Berlin; the office opens Monday 09:00 Berlin = 08:00 UTC.
SATURDAY_NOON = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
TUESDAY_NOON = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    def freeze(moment):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    return freeze


def _office(admin, **links):
    return business_calendar_create(
        actor=admin, name="Berlin office", time_zone="Europe/Berlin", hours=OFFICE_HOURS, **links
    )


def test_conversation_says_outside_hours_and_when_back_in_the_viewers_zone(
    agent_client, agent, admin, inbox, frozen
):
    _office(admin, inboxes=[inbox])
    conversation = conversation_for(inbox)
    agent.time_zone = "America/New_York"  # Monday 09:00 Berlin is 04:00 in New York
    agent.save(update_fields=["time_zone"])
    frozen(SATURDAY_NOON)
    page = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert "Outside business hours" in page
    assert "back Monday at 4 a.m." in page  # New York is on summer time since Sunday
    assert 'datetime="2026-03-09T08:00:00+00:00"' in page


def test_nothing_is_said_during_business_hours(agent_client, admin, inbox, frozen):
    _office(admin, inboxes=[inbox])
    conversation = conversation_for(inbox)
    frozen(TUESDAY_NOON)
    page = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert "Outside business hours" not in page
    assert "Outside business hours" not in agent_client.get(reverse("web:inbox")).content.decode()


def test_the_team_calendar_applies_when_the_inbox_has_none(
    agent_client, admin, inbox, team, frozen
):
    _office(admin, teams=[team])
    conversation = conversation_for(inbox)
    Conversation.objects.filter(pk=conversation.pk).update(team=team)
    frozen(SATURDAY_NOON)
    page = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert "Outside business hours" in page
    page = agent_client.get(reverse("web:inbox"), {"team": team.pk}).content.decode()
    assert "Outside business hours" in page


def test_the_inbox_names_each_closed_inbox_and_follows_the_filter(
    agent_client, admin, inbox, frozen
):
    _office(admin, inboxes=[inbox])
    conversation_for(inbox)
    frozen(SATURDAY_NOON)
    page = agent_client.get(reverse("web:inbox")).content.decode()
    assert f"<strong>{inbox.name}</strong>" in page
    assert "back Monday at 9 a.m." in page  # the agent works in Berlin too
    assert (
        "Outside business hours"
        in agent_client.get(reverse("web:inbox"), {"inbox": inbox.pk}).content.decode()
    )


def test_an_edited_calendar_shows_at_once(agent_client, admin, inbox, frozen):
    calendar = _office(admin, inboxes=[inbox])
    conversation = conversation_for(inbox)
    frozen(SATURDAY_NOON)
    url = reverse("web:conversation", args=[conversation.pk])
    assert "Outside business hours" in agent_client.get(url).content.decode()
    business_calendar_update(
        actor=admin,
        calendar=calendar,
        name="Berlin office",
        time_zone="Europe/Berlin",
        is_24_7=True,
        hours={},
        holiday_country="",
        holiday_subdivision="",
        closures=[],
        inboxes=[inbox],
        teams=[],
    )
    assert "Outside business hours" not in agent_client.get(url).content.decode()


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_calendars_cost_no_query_once_cached_however_many_inboxes(
    agent_client, admin, inbox, team, frozen
):
    frozen(SATURDAY_NOON)
    _office(admin, inboxes=[inbox])
    conversation = conversation_for(inbox)
    url = reverse("web:conversation", args=[conversation.pk])
    cache.clear()
    inbox_cold, inbox_warm = _count(agent_client, "/"), _count(agent_client, "/")
    conversation_cold, conversation_warm = _count(agent_client, url), _count(agent_client, url)
    for number in range(3):  # more calendars, inboxes and conversations: the same counts
        more = inbox.__class__.objects.create(
            name=f"More {number}", email_address=f"m{number}@x.example"
        )
        more.teams.add(team)
        business_calendar_create(
            actor=admin, name=f"C{number}", time_zone="UTC", hours=OFFICE_HOURS, inboxes=[more]
        )
        conversation_for(more)
    cache.clear()
    assert (_count(agent_client, "/"), _count(agent_client, "/")) == (inbox_cold, inbox_warm)
    assert (_count(agent_client, url), _count(agent_client, url)) == (
        conversation_cold,
        conversation_warm,
    )
    page = agent_client.get("/").content.decode()
    assert page.count('class="business-hours-item"') == 4
