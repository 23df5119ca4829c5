"""A calendar edited while timers are pending: the running business-time clocks of the
conversations that follow it are re-planned (by a task, in batches); time already counted stays
counted as the calendar was then (integration, frozen time)."""

import datetime as dt

import pytest

from carefront.conversations.tests.factories import conversation_for
from carefront.sla.models import SlaPolicy, SlaTarget, TargetKind
from carefront.sla.selectors import calendar_directory
from carefront.sla.services import business_calendar_create, business_calendar_update
from carefront.sla.services.calendars import business_calendar_delete, parse_closures
from carefront.sla.services.targets import (
    BREACH,
    calendar_snapshot,
    sla_calendar_recompute,
    sla_timer_fire,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC
WEEKDAYS_9_TO_5 = {day: [(9 * 60, 17 * 60)] for day in range(5)}
# Monday 2026-03-02 10:00 in Berlin.
MONDAY_10 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def office(admin, inbox):
    SlaPolicy.objects.create(name="Office", first_reply_minutes=240, at_risk_minutes=30)
    return business_calendar_create(
        actor=admin,
        name="Berlin",
        time_zone="Europe/Berlin",
        hours=WEEKDAYS_9_TO_5,
        inboxes=[inbox],
    )


def edit(calendar, admin, inbox, **changes):
    fields = {
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "is_24_7": False,
        "hours": WEEKDAYS_9_TO_5,
        "holiday_country": "",
        "holiday_subdivision": "",
        "closures": [],
        "inboxes": [inbox],
        "teams": [],
    }
    fields.update(changes)
    return business_calendar_update(actor=admin, calendar=calendar, **fields)


def test_an_edit_re_plans_running_clocks_and_keeps_the_time_already_counted(
    office, admin, inbox, clock, django_capture_on_commit_callbacks
):
    clock.now = MONDAY_10
    conversation = conversation_for(inbox)
    before = SlaTarget.objects.get(conversation=conversation, kind=TargetKind.FIRST_REPLY)
    assert before.due_at == dt.datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 14:00 Berlin
    clock.now = MONDAY_10 + dt.timedelta(hours=1)
    # Mondays now close at noon, and this morning 10-11 is entered as a closure after the fact:
    # the hour already counted stays counted.
    with django_capture_on_commit_callbacks(execute=True):
        edit(
            office,
            admin,
            inbox,
            hours={**WEEKDAYS_9_TO_5, 0: [(9 * 60, 12 * 60)]},
            closures=parse_closures("2026-03-02 10:00-11:00"),
        )
    after = SlaTarget.objects.get(pk=before.pk)
    assert after.spent_seconds == 3600
    # 3 h left from Monday 11:00: one until noon, two on Tuesday from 09:00.
    assert after.due_at == dt.datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    assert after.version == before.version + 1
    conversation.refresh_from_db()
    assert conversation.sla_due_at == after.due_at
    # The old timer has nothing to do; the new one fires.
    clock.now = after.due_at
    assert sla_timer_fire(target_id=before.pk, version=before.version, which=BREACH) == "stale"
    assert sla_timer_fire(target_id=after.pk, version=after.version, which=BREACH) == "fired"


def test_calendar_time_targets_are_left_alone(office, admin, inbox, clock):
    SlaPolicy.objects.update(first_reply_basis="calendar")
    clock.now = MONDAY_10
    conversation = conversation_for(inbox)
    target = SlaTarget.objects.get(conversation=conversation)
    snapshot = calendar_snapshot(calendar_directory())
    assert sla_calendar_recompute(snapshot=snapshot, inbox_ids=[inbox.pk], team_ids=[]) is None
    assert SlaTarget.objects.get(pk=target.pk).version == target.version


def test_batches_walk_every_target(office, admin, inbox, clock):
    clock.now = MONDAY_10
    conversations = [conversation_for(inbox) for _ in range(3)]
    snapshot = calendar_snapshot(calendar_directory())
    edit(office, admin, inbox, hours={day: [(8 * 60, 17 * 60)] for day in range(5)})
    clock.now = MONDAY_10 + dt.timedelta(hours=1)
    last, batches = 0, 0
    while (
        last := sla_calendar_recompute(
            snapshot=snapshot, inbox_ids=[inbox.pk], team_ids=[], after_id=last, batch=2
        )
    ) is not None:
        batches += 1
    assert batches == 2
    # 1 h counted Monday 10-11 on the old hours; 3 h left from 11:00 -> 14:00 Berlin.
    dues = set(
        SlaTarget.objects.filter(conversation__in=conversations).values_list("due_at", flat=True)
    )
    assert dues == {dt.datetime(2026, 3, 2, 13, 0, tzinfo=UTC)}


def test_deleting_the_calendar_makes_the_clock_run_around_the_clock(
    office, admin, inbox, clock, django_capture_on_commit_callbacks
):
    clock.now = MONDAY_10
    conversation = conversation_for(inbox)
    clock.now = MONDAY_10 + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        business_calendar_delete(actor=admin, calendar=office)
    target = SlaTarget.objects.get(conversation=conversation)
    assert target.due_at == clock.now + dt.timedelta(hours=3)
