"""The target lifecycle driven by conversation changes, with frozen time (integration: runs on
SQLite and PostgreSQL)."""

import datetime as dt

import pytest

from carefront.accounts.tests.factories import TeamFactory
from carefront.conversations.models import Conversation, Priority
from carefront.conversations.services import (
    conversation_add_note,
    conversation_assign,
    conversation_reply,
    conversation_set_priority,
    conversation_set_status,
    conversation_set_tags,
    conversation_snooze,
    conversation_wake,
)
from carefront.conversations.tests.factories import conversation_for, receive
from carefront.sla.models import SlaPolicy, SlaTarget, TargetKind, TargetState
from carefront.sla.services.calendars import business_calendar_create

from .conftest import START

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def customer_writes(conversation: Conversation, **overrides):
    return receive(
        conversation.inbox,
        from_address=conversation.customer.email,
        subject=f"Re: {conversation.subject}",
        reply_tokens=[conversation.reply_token],
        **overrides,
    )


def target(conversation: Conversation, kind: str) -> SlaTarget:
    return SlaTarget.objects.filter(conversation=conversation, kind=kind).latest("id")


def summary(conversation: Conversation) -> tuple:
    conversation.refresh_from_db()
    return conversation.sla_due_at, conversation.sla_at_risk_at


def test_a_new_conversation_starts_first_reply_and_resolution(inbox, policy, clock):
    conversation = conversation_for(inbox)
    first = target(conversation, TargetKind.FIRST_REPLY)
    resolution = target(conversation, TargetKind.RESOLUTION)
    assert (first.state, first.started_at, first.due_at) == ("running", START, START + 60 * M)
    assert first.at_risk_at == START + 30 * M
    assert resolution.due_at == START + 480 * M
    assert not SlaTarget.objects.filter(kind=TargetKind.NEXT_REPLY).exists()
    assert summary(conversation) == (START + 60 * M, START + 30 * M)


def test_no_policy_no_targets(inbox, clock):
    conversation = conversation_for(inbox)
    assert not SlaTarget.objects.exists()
    assert summary(conversation) == (None, None)


def test_an_auto_reply_starts_no_clock(inbox, policy, clock, admin):
    from carefront.conversations.services import message_receive
    from carefront.conversations.tests.factories import inbound_email

    result = message_receive(
        inbox=inbox, inbound=inbound_email(is_auto_submitted=True), release=True
    )
    assert result.conversation is not None
    assert not SlaTarget.objects.exists()


def test_an_agent_reply_meets_the_first_reply_with_the_time_it_took(
    inbox, agent, policy, clock, sla_events_seen
):
    conversation = conversation_for(inbox)
    clock.advance(minutes=12)
    conversation_reply(conversation=conversation, author=agent, body="On it.")
    first = target(conversation, TargetKind.FIRST_REPLY)
    assert (first.state, first.met_at, first.elapsed_seconds) == ("met", START + 12 * M, 720)
    assert first.breached_at is None
    assert [type(e).__name__ for e in sla_events_seen] == ["SlaTargetMet"]
    # The resolution still runs: it is now the conversation's next due time.
    assert summary(conversation) == (START + 480 * M, START + 450 * M)


def test_a_note_meets_nothing(inbox, agent, policy, clock):
    conversation = conversation_for(inbox)
    clock.advance(minutes=5)
    conversation_add_note(conversation=conversation, author=agent, body="Checking.")
    assert target(conversation, TargetKind.FIRST_REPLY).state == TargetState.RUNNING


def test_a_late_reply_is_met_and_recorded_as_breached(inbox, agent, policy, clock):
    conversation = conversation_for(inbox)
    clock.advance(minutes=75)
    conversation_reply(conversation=conversation, author=agent, body="Sorry for the wait.")
    first = target(conversation, TargetKind.FIRST_REPLY)
    assert first.elapsed_seconds == 75 * 60
    assert first.breached_at == START + 60 * M


def test_a_customer_message_after_the_reply_starts_one_next_reply(inbox, agent, policy, clock):
    conversation = conversation_for(inbox)
    clock.advance(minutes=10)
    conversation_reply(conversation=conversation, author=agent, body="Which version?")
    clock.advance(minutes=20)
    customer_writes(conversation)
    next_reply = target(conversation, TargetKind.NEXT_REPLY)
    assert (next_reply.started_at, next_reply.due_at) == (START + 30 * M, START + 150 * M)
    clock.advance(minutes=5)
    customer_writes(conversation)  # still waiting: no second clock
    assert SlaTarget.objects.filter(kind=TargetKind.NEXT_REPLY).count() == 1
    clock.advance(minutes=5)
    conversation_reply(conversation=conversation, author=agent, body="Fixed.")
    next_reply.refresh_from_db()
    assert (next_reply.state, next_reply.elapsed_seconds) == ("met", 600)


def test_a_second_customer_message_before_any_reply_starts_no_next_reply(inbox, policy, clock):
    conversation = conversation_for(inbox)
    clock.advance(minutes=5)
    customer_writes(conversation)
    assert not SlaTarget.objects.filter(kind=TargetKind.NEXT_REPLY).exists()
    assert SlaTarget.objects.filter(kind=TargetKind.FIRST_REPLY).count() == 1


def test_pending_pauses_and_the_customer_resumes_with_the_time_left(inbox, agent, policy, clock):
    conversation = conversation_for(inbox)
    clock.advance(minutes=40)
    conversation_set_status(conversation=conversation, status="pending", actor=agent)
    first = target(conversation, TargetKind.FIRST_REPLY)
    assert (first.state, first.spent_seconds, first.due_at) == ("paused", 2400, None)
    assert summary(conversation) == (None, None)
    clock.advance(hours=5)
    customer_writes(conversation)
    first.refresh_from_db()
    # 20 minutes were left; at risk at once (less than the 30 minutes lead remain).
    assert (first.state, first.due_at) == ("running", clock.now + 20 * M)
    assert first.at_risk_at == clock.now
    resolution = target(conversation, TargetKind.RESOLUTION)
    assert resolution.due_at == clock.now + 440 * M
    assert summary(conversation) == (clock.now + 20 * M, clock.now)


def test_snoozed_pauses_and_open_again_resumes(inbox, agent, policy, clock):
    conversation = conversation_for(inbox)
    clock.advance(minutes=10)
    conversation_snooze(
        conversation=conversation, until=clock.now + 48 * 60 * M, actor=agent, now=clock.now
    )
    assert target(conversation, TargetKind.RESOLUTION).state == TargetState.PAUSED
    clock.advance(hours=24)
    conversation_wake(conversation=conversation, actor=None, now=clock.now)
    resolution = target(conversation, TargetKind.RESOLUTION)
    assert (resolution.state, resolution.due_at) == ("running", clock.now + 470 * M)


def test_solved_meets_every_target(inbox, agent, policy, clock):
    conversation = conversation_for(inbox)
    clock.advance(minutes=30)
    conversation_reply(conversation=conversation, author=agent, body="Done.", status="solved")
    states = dict(SlaTarget.objects.values_list("kind", "state"))
    assert states == {"first_reply": "met", "resolution": "met"}
    assert target(conversation, TargetKind.RESOLUTION).elapsed_seconds == 1800
    assert summary(conversation) == (None, None)


def test_a_reopened_conversation_resumes_its_resolution_and_waits_for_a_next_reply(
    inbox, agent, policy, clock
):
    conversation = conversation_for(inbox)
    clock.advance(minutes=30)
    conversation_reply(conversation=conversation, author=agent, body="Done.", status="solved")
    clock.advance(days=2)
    customer_writes(conversation)
    resolution = target(conversation, TargetKind.RESOLUTION)
    assert (resolution.state, resolution.spent_seconds) == ("running", 1800)
    assert resolution.met_at is None
    assert resolution.due_at == clock.now + 450 * M
    assert SlaTarget.objects.filter(kind=TargetKind.RESOLUTION).count() == 1
    next_reply = target(conversation, TargetKind.NEXT_REPLY)
    assert next_reply.due_at == clock.now + 120 * M


def test_a_priority_change_midway_applies_the_other_policy_and_keeps_the_time_spent(
    inbox, agent, policy, clock
):
    SlaPolicy.objects.create(
        name="Urgent",
        position=1,
        priorities=[Priority.URGENT],
        first_reply_minutes=30,
        first_reply_basis="calendar",
        resolution_minutes=120,
        resolution_basis="calendar",
        at_risk_minutes=10,
    )
    conversation = conversation_for(inbox)
    clock.advance(minutes=20)
    conversation_set_priority(conversation=conversation, priority="urgent", actor=agent)
    first = target(conversation, TargetKind.FIRST_REPLY)
    assert (first.target_seconds, first.spent_seconds) == (1800, 1200)
    assert (first.due_at, first.at_risk_at) == (START + 30 * M, START + 20 * M)
    assert target(conversation, TargetKind.RESOLUTION).due_at == START + 120 * M
    assert summary(conversation) == (START + 30 * M, START + 20 * M)


def test_a_policy_without_a_kind_cancels_it_and_a_new_kind_starts_now(inbox, agent, policy, clock):
    vip = TeamFactory(name="VIP")
    SlaPolicy.objects.create(
        name="Resolution only",
        position=1,
        resolution_minutes=60,
        resolution_basis="calendar",
    )
    SlaPolicy.objects.filter(name="Resolution only").get().teams.add(vip)
    conversation = conversation_for(inbox)
    clock.advance(minutes=10)
    conversation_assign(conversation=conversation, assignee=None, actor=agent, team=vip)
    first = target(conversation, TargetKind.FIRST_REPLY)
    assert (first.state, first.spent_seconds) == ("cancelled", 600)
    resolution = target(conversation, TargetKind.RESOLUTION)
    assert (resolution.target_seconds, resolution.due_at) == (3600, START + 60 * M)


def test_a_tag_that_matches_a_policy_re_applies_it(inbox, agent, policy, clock):
    conversation = conversation_for(inbox)
    tagged = SlaPolicy.objects.create(
        name="Outage",
        position=1,
        first_reply_minutes=15,
        first_reply_basis="calendar",
    )
    conversation_set_tags(conversation=conversation, names=["Outage"], actor=agent)
    tagged.tags.set(conversation.tags.all())
    clock.advance(minutes=5)
    conversation_set_tags(conversation=conversation, names=["outage", "vpn"], actor=agent)
    first = target(conversation, TargetKind.FIRST_REPLY)
    assert (first.policy_id, first.due_at) == (tagged.pk, START + 15 * M)
    # The policy has no resolution target.
    assert target(conversation, TargetKind.RESOLUTION).state == TargetState.CANCELLED


def test_an_unchanged_policy_writes_nothing(inbox, agent, policy, clock):
    conversation = conversation_for(inbox)
    version = target(conversation, TargetKind.FIRST_REPLY).version
    clock.advance(minutes=5)
    conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    assert target(conversation, TargetKind.FIRST_REPLY).version == version


def test_business_time_counts_only_opening_hours(inbox, admin, clock):
    business_calendar_create(
        actor=admin,
        name="Berlin office",
        time_zone="Europe/Berlin",
        hours={day: [(9 * 60, 17 * 60)] for day in range(5)},
        inboxes=[inbox],
    )
    SlaPolicy.objects.create(name="Office", first_reply_minutes=120, at_risk_minutes=30)
    # Friday 2026-03-06 15:30 Berlin (14:30 UTC): 1.5 h today, 30 min on Monday; at risk
    # after 1.5 h, at Friday's closing time.
    clock.now = dt.datetime(2026, 3, 6, 14, 30, tzinfo=dt.UTC)
    conversation = conversation_for(inbox)
    first = target(conversation, TargetKind.FIRST_REPLY)
    assert first.due_at == dt.datetime(2026, 3, 9, 8, 30, tzinfo=dt.UTC)
    assert first.at_risk_at == dt.datetime(2026, 3, 6, 16, 0, tzinfo=dt.UTC)


def test_bulk_mail_runs_no_clock(inbox, policy, clock):
    conversation_for(inbox, is_bulk=True)
    assert not SlaTarget.objects.exists()


def test_query_count_of_a_reply_is_bounded(
    inbox, agent, policy, clock, django_assert_max_num_queries
):
    conversation = conversation_for(inbox)
    clock.advance(minutes=5)
    with django_assert_max_num_queries(40):
        conversation_reply(conversation=conversation, author=agent, body="Hello")
