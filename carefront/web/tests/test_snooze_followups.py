"""The snooze menu, waking, follow-up promises in the UI (with a reply, without one, done,
cancel), the promise sentence, "My follow-ups" and who may do what."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carefront.conversations.models import Message, Status
from carefront.conversations.tests.factories import conversation_for
from carefront.sla.models import FollowUp, FollowUpState
from carefront.sla.services import followup_create
from carefront.web.views.followups import snooze_presets

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")  # the `agent` fixture's time zone


def _url(name: str, *args) -> str:
    return reverse(f"web:{name}", args=args)


def _local_input(when: dt.datetime) -> str:
    """A `datetime-local` value, in the agent's time zone."""
    return when.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def test_the_conversation_offers_the_snooze_menu_and_no_snoozed_status_button(
    agent_client, conversation
):
    html = agent_client.get(_url("conversation", conversation.pk)).content.decode()
    assert "data-snooze-menu" in html
    assert "data-shortcut-snooze" in html
    assert 'name="status" value="snoozed"' not in html
    assert 'data-snooze-preset="tomorrow"' in html


def test_a_preset_snoozes_and_the_page_says_until_when(agent_client, conversation):
    until = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)
    response = agent_client.post(
        _url("conversation_snooze", conversation.pk), {"until": until.isoformat()}
    )
    assert response.status_code == 303
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == (Status.SNOOZED, until)
    html = agent_client.get(_url("conversation", conversation.pk)).content.decode()
    assert "data-snoozed-until" in html
    assert "Wake now" in html
    assert "snoozed it until" in html  # the timeline


def test_a_date_of_choice_is_read_in_the_agents_time_zone(agent_client, conversation):
    local = (
        (timezone.now() + dt.timedelta(days=3))
        .astimezone(BERLIN)
        .replace(hour=14, minute=30, second=0, microsecond=0)
    )
    agent_client.post(_url("conversation_snooze", conversation.pk), {"at": _local_input(local)})
    conversation.refresh_from_db()
    assert conversation.snoozed_until == local


@pytest.mark.parametrize(
    "data",
    [{}, {"until": "not a date"}, {"until": "2001-01-01T09:00:00+00:00"}],
)
def test_a_bad_snooze_is_a_clear_400_and_changes_nothing(agent_client, conversation, data):
    response = agent_client.post(_url("conversation_snooze", conversation.pk), data)
    assert response.status_code == 400
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_the_status_form_refuses_snoozed_without_a_time(agent_client, conversation):
    response = agent_client.post(
        _url("conversation_status", conversation.pk), {"status": "snoozed"}
    )
    assert response.status_code == 400
    assert "snoozed until a time" in response.content.decode()


def test_wake_now(agent_client, agent, conversation):
    agent_client.post(
        _url("conversation_snooze", conversation.pk),
        {"until": (timezone.now() + dt.timedelta(hours=5)).isoformat()},
    )
    agent_client.post(_url("conversation_wake", conversation.pk))
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == (Status.OPEN, None)


def test_an_outsider_cannot_snooze(outsider_client, conversation):
    response = outsider_client.post(
        _url("conversation_snooze", conversation.pk),
        {"until": (timezone.now() + dt.timedelta(hours=5)).isoformat()},
    )
    assert response.status_code == 404
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_presets_are_in_the_agents_time_zone():
    # Wednesday 3 December 2026, 10:00 in Berlin.
    now = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    with timezone.override(BERLIN):
        presets = {p["key"]: p["until"] for p in snooze_presets(now)}
    assert presets["later"] == dt.datetime(2026, 12, 3, 13, 0, tzinfo=BERLIN)
    assert presets["tomorrow"] == dt.datetime(2026, 12, 4, 9, 0, tzinfo=BERLIN)
    assert presets["monday"] == dt.datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)
    # Late on a Sunday evening: no "later today", and Monday is tomorrow (shown once).
    sunday_night = dt.datetime(2026, 12, 6, 21, 30, tzinfo=dt.UTC)
    with timezone.override(BERLIN):
        keys = [p["key"] for p in snooze_presets(sunday_night)]
    assert keys == ["tomorrow"]


def test_reply_with_a_promise_sends_the_reply_then_makes_the_promise(
    agent_client, agent, conversation
):
    due = (
        (timezone.now() + dt.timedelta(days=2))
        .astimezone(BERLIN)
        .replace(hour=9, minute=0, second=0, microsecond=0)
    )
    sentence = agent_client.get(
        _url("promise_text", conversation.pk), {"due": _local_input(due)}
    ).content.decode()
    assert sentence.startswith("I will get back to you by ")
    response = agent_client.post(
        _url("conversation_reply", conversation.pk),
        {
            "body": f"Thanks, I asked the warehouse. {sentence}",
            "then": "",
            "promise-due": _local_input(due),
            "promise-note": "warehouse ticket 42",
        },
    )
    assert response.status_code == 303
    follow_up = FollowUp.objects.get()
    assert (follow_up.owner, follow_up.due_at, follow_up.note) == (
        agent,
        due,
        "warehouse ticket 42",
    )
    assert follow_up.state == FollowUpState.OPEN  # the reply that made it does not keep it
    assert follow_up.customer_text == sentence
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED
    assert Message.objects.filter(conversation=conversation, direction="outgoing").count() == 1


def test_a_bad_promise_time_keeps_the_reply_unsent_and_the_text(agent_client, conversation):
    past = timezone.now() - dt.timedelta(days=1)
    response = agent_client.post(
        _url("conversation_reply", conversation.pk),
        {"body": "My draft", "then": "", "promise-due": _local_input(past)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "must be in the future" in html
    assert "My draft" in html
    assert _local_input(past) in html
    assert not Message.objects.filter(direction="outgoing").exists()
    assert not FollowUp.objects.exists()


def test_promise_without_reply_done_and_cancel(agent_client, agent, conversation):
    due = timezone.now() + dt.timedelta(days=1)
    response = agent_client.post(
        _url("followup_create", conversation.pk), {"due": _local_input(due), "note": "call back"}
    )
    assert response.status_code == 303
    first = FollowUp.objects.get()
    html = agent_client.get(_url("conversation", conversation.pk)).content.decode()
    assert f'data-follow-up="{first.pk}"' in html and "call back" in html
    agent_client.post(_url("followup_complete", conversation.pk, first.pk))
    first.refresh_from_db()
    assert first.state == FollowUpState.KEPT
    second = followup_create(
        conversation=conversation, owner=agent, due_at=due + dt.timedelta(days=1), actor=agent
    )
    agent_client.post(_url("followup_cancel", conversation.pk, second.pk))
    second.refresh_from_db()
    assert second.state == FollowUpState.CANCELLED
    # Done twice: a clear 400.
    again = agent_client.post(_url("followup_complete", conversation.pk, first.pk))
    assert again.status_code == 400


def test_an_outsider_cannot_touch_a_promise(outsider_client, agent, conversation):
    follow_up = followup_create(
        conversation=conversation,
        owner=agent,
        due_at=timezone.now() + dt.timedelta(days=1),
        actor=agent,
    )
    response = outsider_client.post(_url("followup_complete", conversation.pk, follow_up.pk))
    assert response.status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.OPEN


def test_my_follow_ups_page_lists_them_with_a_constant_query_count(agent_client, agent, inbox):
    def make(n: int) -> None:
        for i in range(n):
            followup_create(
                conversation=conversation_for(inbox),
                owner=agent,
                due_at=timezone.now() + dt.timedelta(hours=5 + i),
                actor=agent,
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = agent_client.get(_url("followups"))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    make(2)
    agent_client.get(_url("followups"))
    small = count()
    make(8)
    assert count() == small
    html = agent_client.get(_url("followups")).content.decode()
    assert html.count("data-follow-up=") == 10
    assert f'data-record="{agent.pk}"' in html


def test_the_shortcut_is_listed_in_the_help(agent_client, conversation):
    html = agent_client.get(_url("conversation", conversation.pk)).content.decode()
    assert "<kbd>z</kbd></dt>" in html
