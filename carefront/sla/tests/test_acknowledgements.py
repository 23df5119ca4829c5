"""Acknowledgements, end to end through the services on a real database, with frozen time: the
estimate (default, SLA policy, recent first replies, the queue), the exclusions, once only,
languages and time zones, outside hours, and whether the promise was kept."""

import datetime as dt
from datetime import UTC, datetime

import pytest

from carefront.conversations.models import Conversation, Direction, Message, OutboxEntry, Status
from carefront.conversations.services import (
    conversation_reply,
    conversation_set_status,
    message_receive,
)
from carefront.conversations.tests.factories import inbound_email, receive
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox
from carefront.sla.models import (
    Acknowledgement,
    AcknowledgementOutcome,
    EstimateSource,
    FirstReplyTime,
    SlaPolicy,
    TimeBasis,
)
from carefront.sla.selectors import acknowledgement_kept_rates
from carefront.sla.services import business_calendar_create
from carefront.sla.services.acknowledgements import (
    acknowledgement_send,
    acknowledgements_flush,
    percentile,
    round_up,
)

pytestmark = pytest.mark.django_db

OFFICE_HOURS = {day: [(9 * 60, 17 * 60)] for day in range(5)}  # Mon-Fri 09:00-17:00 Berlin
# Tuesday 2026-03-03 10:00 in Berlin (CET, UTC+1).
TUESDAY_10 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
# Saturday 2026-03-07 12:00 in Berlin; the office opens Monday 09:00 Berlin = 08:00 UTC.
SATURDAY_NOON = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """Frozen time: `clock(moment)` sets it (services and auto_now fields read it)."""

    def freeze(moment: datetime) -> None:
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    freeze(TUESDAY_10)
    return freeze


@pytest.fixture
def office(admin, inbox):
    return business_calendar_create(
        actor=admin,
        name="Berlin office",
        time_zone="Europe/Berlin",
        hours=OFFICE_HOURS,
        inboxes=[inbox],
    )


def arrive(inbox, django_capture_on_commit_callbacks, **overrides) -> Conversation:
    """A new conversation as production makes it: received, committed, then acknowledged by
    the task its ConversationCreated enqueues (the immediate backend runs it at once)."""
    with django_capture_on_commit_callbacks(execute=True):
        result = receive(inbox, **overrides)
    return result.conversation


def acknowledgement_message(conversation) -> Message:
    return Message.objects.get(conversation=conversation, direction=Direction.OUTGOING)


def history(inbox, clock, *, minutes: int, count: int, start: datetime) -> None:
    """`count` conversations in the past, each answered after `minutes` (during hours)."""
    for n in range(count):
        arrived = start + dt.timedelta(hours=n)
        clock(arrived)
        conversation = receive(inbox).conversation  # not committed: no acknowledgement
        clock(arrived + dt.timedelta(minutes=minutes))
        conversation_reply(conversation=conversation, author=_agent(inbox), body="Answer.")


def _agent(inbox):
    from carefront.accounts.models import Agent

    return Agent.objects.filter(teams__inboxes=inbox).first()


# --- the estimate ------------------------------------------------------------------------------


def test_percentile_is_the_nearest_rank():
    assert percentile([10, 20, 30, 40, 50], 0.8) == 40
    assert percentile([5], 0.8) == 5
    assert percentile(list(range(1, 11)), 0.8) == 8


def test_round_up_goes_to_the_next_quarter_hour():
    assert round_up(datetime(2026, 3, 3, 9, 0, tzinfo=UTC)) == datetime(
        2026, 3, 3, 9, 0, tzinfo=UTC
    )
    assert round_up(datetime(2026, 3, 3, 9, 0, 1, tzinfo=UTC)) == datetime(
        2026, 3, 3, 9, 15, tzinfo=UTC
    )
    assert round_up(datetime(2026, 3, 3, 9, 46, tzinfo=UTC)) == datetime(
        2026, 3, 3, 10, 0, tzinfo=UTC
    )


def test_without_policy_or_history_the_default_is_one_working_day(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    conversation = arrive(inbox, django_capture_on_commit_callbacks)

    ack = Acknowledgement.objects.get(conversation=conversation)
    # 8 business hours from Tuesday 10:00: 7 on Tuesday, 1 on Wednesday -> Wednesday 10:00.
    assert ack.promised_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert ack.source == EstimateSource.DEFAULT
    assert ack.opens_at is None
    body = acknowledgement_message(conversation).body_text
    assert "We'll reply by 10 a.m. tomorrow." in body
    assert "Times are in the Europe/Berlin time zone." in body


def test_the_sla_first_reply_target_is_promised_when_it_is_earliest(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    SlaPolicy.objects.create(name="Standard", first_reply_minutes=90)

    conversation = arrive(inbox, django_capture_on_commit_callbacks)

    ack = Acknowledgement.objects.get(conversation=conversation)
    assert ack.source == EstimateSource.SLA
    assert ack.promised_at == datetime(2026, 3, 3, 10, 30, tzinfo=UTC)  # 11:30 Berlin
    assert ack.sla_due_at == ack.promised_at


def test_a_calendar_time_target_counts_the_night(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    SlaPolicy.objects.create(
        name="Round the clock", first_reply_minutes=24 * 60, first_reply_basis=TimeBasis.CALENDAR
    )
    clock(datetime(2026, 3, 3, 15, 0, tzinfo=UTC))  # Tuesday 16:00 Berlin

    conversation = arrive(inbox, django_capture_on_commit_callbacks)

    # 24 h of calendar time, not 24 business hours.
    ack = Acknowledgement.objects.get(conversation=conversation)
    assert ack.promised_at == datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def test_recent_first_replies_win_when_the_team_is_faster_than_its_sla(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    SlaPolicy.objects.create(name="Standard", first_reply_minutes=4 * 60)
    # Monday 2026-03-02, from 09:00 Berlin: six conversations, each answered in 20 minutes.
    history(inbox, clock, minutes=20, count=6, start=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    clock(TUESDAY_10)

    conversation = arrive(inbox, django_capture_on_commit_callbacks)

    ack = Acknowledgement.objects.get(conversation=conversation)
    assert FirstReplyTime.objects.filter(inbox=inbox).count() == 6
    assert ack.source == EstimateSource.HISTORY
    assert ack.backlog_factor == 1.0
    # 20 minutes from 10:00 Berlin, rounded up to the quarter hour: 10:30 Berlin.
    assert ack.promised_at == datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    assert ack.sla_due_at == datetime(2026, 3, 3, 13, 0, tzinfo=UTC)


def test_replies_after_hours_count_only_business_time(inbox, office, agent, clock):
    # Arrived Friday 16:30 Berlin, answered Monday 09:30: one business hour.
    clock(datetime(2026, 2, 27, 15, 30, tzinfo=UTC))
    conversation = receive(inbox).conversation
    clock(datetime(2026, 3, 2, 8, 30, tzinfo=UTC))
    conversation_reply(conversation=conversation, author=agent, body="Good morning.")

    assert FirstReplyTime.objects.get(conversation=conversation).business_seconds == 3600


def test_only_the_first_agent_reply_is_measured(inbox, agent, clock):
    conversation = receive(inbox).conversation
    clock(TUESDAY_10 + dt.timedelta(minutes=10))
    conversation_reply(conversation=conversation, author=agent, body="One.")
    clock(TUESDAY_10 + dt.timedelta(minutes=50))
    conversation_reply(conversation=conversation, author=agent, body="Two.")

    assert FirstReplyTime.objects.get(conversation=conversation).business_seconds == 600


def test_a_long_queue_stretches_the_estimate_up_to_three_times(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    history(inbox, clock, minutes=20, count=6, start=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    clock(TUESDAY_10 - dt.timedelta(minutes=30))
    for _ in range(5):  # waiting for a first reply now
        receive(inbox)
    clock(TUESDAY_10)

    conversation = arrive(inbox, django_capture_on_commit_callbacks)

    ack = Acknowledgement.objects.get(conversation=conversation)
    assert ack.backlog_factor == 3.0
    # 3 x 20 minutes = 11:00 Berlin.
    assert ack.promised_at == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def test_outside_business_hours_it_says_when_the_team_is_back(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    clock(SATURDAY_NOON)

    conversation = arrive(inbox, django_capture_on_commit_callbacks)

    ack = Acknowledgement.objects.get(conversation=conversation)
    assert ack.opens_at == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    assert ack.promised_at == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # Monday 17:00 Berlin
    body = acknowledgement_message(conversation).body_text
    assert "We'll reply by Monday 5 p.m." in body
    assert "Our team is away right now and back on Monday at 9 a.m." in body


def test_the_customers_language_and_time_zone_are_used(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    earlier = receive(inbox, from_address="lena@example.com", from_name="Lena").conversation
    Customer.objects.filter(pk=earlier.customer_id).update(
        language="de", time_zone="America/New_York"
    )
    clock(SATURDAY_NOON)

    conversation = arrive(
        inbox, django_capture_on_commit_callbacks, from_address="lena@example.com"
    )

    body = acknowledgement_message(conversation).body_text
    # Monday 17:00 Berlin is 12:00 in New York (summer time there since Sunday 8 March).
    assert "Hallo Lena," in body
    assert "Wir antworten Ihnen bis Montag, 12:00 Uhr." in body
    assert "Unser Team ist gerade nicht da und ab Montag, 04:00 Uhr, wieder erreichbar." in body
    assert "Zeitzone" not in body  # the customer's own zone: nothing to explain
    assert Acknowledgement.objects.get(conversation=conversation).language == "de"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Nous vous répondrons demain avant 10:00."),
        ("es", "Le responderemos mañana antes de las 10:00."),
    ],
)
def test_the_inbox_default_language_and_calendar_zone_apply_without_a_profile(
    inbox, office, agent, clock, django_capture_on_commit_callbacks, language, expected
):
    Inbox.objects.filter(pk=inbox.pk).update(default_language=language)
    clock(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # Tuesday 09:00 Berlin, opening time
    SlaPolicy.objects.create(name="Next day", first_reply_minutes=9 * 60)

    conversation = arrive(inbox, django_capture_on_commit_callbacks)

    # 9 business hours from Tuesday 09:00: Wednesday (tomorrow) 10:00 Berlin.
    body = acknowledgement_message(conversation).body_text
    assert expected in body


def test_a_promise_days_ahead_states_the_date(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    SlaPolicy.objects.create(name="Slow", first_reply_minutes=6 * 8 * 60)  # six working days

    conversation = arrive(inbox, django_capture_on_commit_callbacks)

    # From Tuesday 10:00: six working days later is the next Wednesday, 11 March, 10:00.
    body = acknowledgement_message(conversation).body_text
    assert "We'll reply by Wednesday, March 11, 10 a.m." in body


# --- what the acknowledgement is, and is not -----------------------------------------------


def test_it_is_an_automatic_threaded_message_through_the_outbox_not_an_agent_reply(
    inbox, agent, clock, django_capture_on_commit_callbacks
):
    conversation = arrive(inbox, django_capture_on_commit_callbacks, message_id="first@example.com")

    message = acknowledgement_message(conversation)
    assert message.author is None
    assert message.is_auto_submitted
    assert message.in_reply_to == "first@example.com"
    assert message.subject == f"Re: {conversation.subject}"
    assert OutboxEntry.objects.filter(message=message).exists()
    conversation.refresh_from_db()
    # The customer still waits for a person: waiting time, preview and status are unchanged.
    assert conversation.waiting_since == TUESDAY_10
    assert conversation.status == Status.OPEN
    assert conversation.preview.startswith("Hello, this is question")
    assert conversation.message_count == 2
    assert not FirstReplyTime.objects.filter(conversation=conversation).exists()


def test_it_is_sent_at_most_once(inbox, agent, clock, django_capture_on_commit_callbacks):
    conversation = arrive(inbox, django_capture_on_commit_callbacks)

    assert acknowledgement_send(conversation_id=conversation.pk) is None
    assert Message.objects.filter(conversation=conversation, direction="outgoing").count() == 1


def test_none_when_an_agent_replied_before_it_went_out(inbox, agent, clock):
    conversation = receive(inbox).conversation
    conversation_reply(conversation=conversation, author=agent, body="Already on it.")

    assert acknowledgement_send(conversation_id=conversation.pk) is None
    assert not Acknowledgement.objects.exists()


def test_none_for_list_mail(inbox, agent, clock, django_capture_on_commit_callbacks):
    conversation = arrive(inbox, django_capture_on_commit_callbacks, is_bulk=True)

    assert conversation.is_bulk
    assert not Acknowledgement.objects.exists()


def test_none_for_an_auto_reply_released_from_held_mail(
    inbox, agent, clock, django_capture_on_commit_callbacks
):
    from carefront.conversations.services import ReceiveItem, messages_receive

    item = ReceiveItem(inbox=inbox, inbound=inbound_email(is_auto_submitted=True), release=True)
    with django_capture_on_commit_callbacks(execute=True):
        [result] = messages_receive(items=[item])

    assert result.conversation is not None
    assert not Acknowledgement.objects.exists()


@pytest.mark.parametrize("sender", ["inbox", "inbox-plus", "agent"])
def test_none_for_the_teams_own_addresses(
    inbox, agent, clock, django_capture_on_commit_callbacks, sender
):
    local, domain = inbox.email_address.split("@")
    address = {
        "inbox": inbox.email_address,
        "inbox-plus": f"{local}+cf-abc@{domain}",
        "agent": agent.email,
    }[sender]

    arrive(inbox, django_capture_on_commit_callbacks, from_address=address)

    assert not Acknowledgement.objects.exists()


def test_none_for_old_mail_such_as_an_import(
    inbox, agent, clock, django_capture_on_commit_callbacks
):
    arrive(inbox, django_capture_on_commit_callbacks, sent_at=TUESDAY_10 - dt.timedelta(days=3))

    assert not Acknowledgement.objects.exists()


@pytest.mark.parametrize(("source", "acknowledged"), [("import", False), ("smtp", True)])
def test_none_for_imported_mail_however_recent(
    inbox, agent, clock, django_capture_on_commit_callbacks, source, acknowledged
):
    from carefront.inboxes.services import email_ingest
    from tests.support.mail import email_bytes

    with django_capture_on_commit_callbacks(execute=True):
        email_ingest(inbox=inbox, data=email_bytes(to=inbox.email_address), source=source)

    assert Acknowledgement.objects.exists() is acknowledged


def test_none_when_the_inbox_has_it_switched_off(
    inbox, agent, clock, django_capture_on_commit_callbacks
):
    Inbox.objects.filter(pk=inbox.pk).update(send_acknowledgement=False)

    arrive(inbox, django_capture_on_commit_callbacks)

    assert not Acknowledgement.objects.exists()


def test_a_customer_reply_in_the_thread_gets_no_second_one(
    inbox, agent, clock, django_capture_on_commit_callbacks
):
    conversation = arrive(inbox, django_capture_on_commit_callbacks, message_id="a@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        message_receive(
            inbox=inbox,
            inbound=inbound_email(
                from_address=conversation.customer.email, in_reply_to=["<a@example.com>"]
            ),
        )

    assert Acknowledgement.objects.count() == 1


# --- kept or not ------------------------------------------------------------------------------


def test_a_reply_by_the_promised_time_keeps_the_promise(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    conversation = arrive(inbox, django_capture_on_commit_callbacks)
    clock(datetime(2026, 3, 3, 15, 0, tzinfo=UTC))

    conversation_reply(conversation=conversation, author=agent, body="Here is the answer.")

    ack = Acknowledgement.objects.get(conversation=conversation)
    assert ack.outcome == AcknowledgementOutcome.KEPT
    assert ack.first_reply_at == datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def test_no_reply_by_the_promised_time_is_a_missed_promise(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    conversation = arrive(inbox, django_capture_on_commit_callbacks)
    ack = Acknowledgement.objects.get(conversation=conversation)
    clock(ack.promised_at - dt.timedelta(minutes=1))
    assert acknowledgements_flush() == 0

    clock(ack.promised_at + dt.timedelta(minutes=1))
    assert acknowledgements_flush() == 1
    ack.refresh_from_db()
    assert ack.outcome == AcknowledgementOutcome.MISSED
    # A late reply does not turn it into a kept one.
    conversation_reply(conversation=conversation, author=agent, body="Sorry for the wait.")
    ack.refresh_from_db()
    assert ack.outcome == AcknowledgementOutcome.MISSED
    assert acknowledgements_flush() == 0


def test_a_reply_after_the_promised_time_is_missed_even_before_the_timer(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    conversation = arrive(inbox, django_capture_on_commit_callbacks)
    ack = Acknowledgement.objects.get(conversation=conversation)
    clock(ack.promised_at + dt.timedelta(hours=2))

    conversation_reply(conversation=conversation, author=agent, body="Late.")

    ack.refresh_from_db()
    assert ack.outcome == AcknowledgementOutcome.MISSED


def test_solved_without_a_reply_does_not_count(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    conversation = arrive(inbox, django_capture_on_commit_callbacks)
    conversation_set_status(conversation=conversation, status=Status.SOLVED, actor=agent)
    ack = Acknowledgement.objects.get(conversation=conversation)
    clock(ack.promised_at + dt.timedelta(minutes=1))

    acknowledgements_flush()

    ack.refresh_from_db()
    assert ack.outcome == AcknowledgementOutcome.VOID


def test_the_kept_rate_counts_judged_promises_of_the_last_30_days_per_inbox(
    inbox, office, agent, clock, django_capture_on_commit_callbacks
):
    kept = arrive(inbox, django_capture_on_commit_callbacks)
    arrive(inbox, django_capture_on_commit_callbacks)  # will be missed
    conversation_reply(conversation=kept, author=agent, body="Done.")
    clock(TUESDAY_10 + dt.timedelta(days=2))
    acknowledgements_flush()

    rates = acknowledgement_kept_rates(inbox_ids=[inbox.pk])
    assert (rates[inbox.pk].kept, rates[inbox.pk].judged, rates[inbox.pk].percent) == (1, 2, 50)
    later = TUESDAY_10 + dt.timedelta(days=40)
    assert acknowledgement_kept_rates(inbox_ids=[inbox.pk], now=later) == {}


def _queries_to_acknowledge(inbox) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    conversation = receive(inbox).conversation
    with CaptureQueriesContext(connection) as queries:
        assert acknowledgement_send(conversation_id=conversation.pk) is not None
    return len(queries.captured_queries)


def test_an_acknowledgement_costs_the_same_queries_whatever_the_history(
    inbox, office, agent, clock
):
    from django.core.cache import cache

    history(inbox, clock, minutes=20, count=6, start=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    clock(TUESDAY_10)
    _queries_to_acknowledge(inbox)  # policies and calendars cached from here on
    warm = _queries_to_acknowledge(inbox)
    history(inbox, clock, minutes=30, count=6, start=datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    clock(TUESDAY_10)
    for _ in range(5):
        receive(inbox)  # more waiting

    assert _queries_to_acknowledge(inbox) == warm
    cache.delete(f"sla-ack-stats:{inbox.pk}")
    # The inbox's figures (first replies, the queue): two queries, once per two minutes.
    assert _queries_to_acknowledge(inbox) == warm + 2
