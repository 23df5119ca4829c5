"""Calendars written through the services and read back as schedules (integration)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.sla.business_time import add_business_time, is_open, next_open
from carefront.sla.models import BusinessCalendar
from carefront.sla.selectors import calendar_directory, schedule_of
from carefront.sla.services import (
    business_calendar_create,
    business_calendar_update,
    parse_closures,
    parse_weekly_hours,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def test_weekly_hours_are_read_from_lines():
    # Intervals may be written with an en dash too.
    hours = parse_weekly_hours("Mon-Fri 09:00-12:30, 13:30-17:30\nsat 10:00\u201314:00\n\n")
    assert hours[0] == [(540, 750), (810, 1050)]
    assert hours[5] == [(600, 840)]
    assert hours[6] == []


def test_a_closure_to_24_00_closes_until_midnight(admin):
    calendar = business_calendar_create(
        actor=admin,
        name="Office",
        time_zone="Europe/Berlin",
        hours={day: [(540, 1080)] for day in range(7)},
        closures=parse_closures("2026-12-31 13:00-24:00 # New Year's Eve"),
    )
    closure = calendar.closures.get()
    assert (closure.start_time, closure.name) == (time(13, 0), "New Year's Eve")
    schedule = schedule_of(BusinessCalendar.objects.get(pk=calendar.pk))
    assert is_open(schedule, datetime(2026, 12, 31, 12, 59, tzinfo=BERLIN))
    assert not is_open(schedule, datetime(2026, 12, 31, 17, 0, tzinfo=BERLIN))
    # 1 January is a public holiday only with a country: none here.
    assert next_open(schedule, datetime(2026, 12, 31, 13, 0, tzinfo=BERLIN)) == datetime(
        2027, 1, 1, 9, 0, tzinfo=BERLIN
    )


def test_public_holidays_of_the_chosen_region_close_the_calendar(admin):
    calendar = business_calendar_create(
        actor=admin,
        name="Munich",
        time_zone="Europe/Berlin",
        hours={day: [(540, 1020)] for day in range(5)},
        holiday_country="DE",
        holiday_subdivision="BY",
    )
    schedule = schedule_of(calendar)
    # Wednesday 2026-06-03 17:00 + 1 h: Thursday is Corpus Christi in Bavaria.
    start = datetime(2026, 6, 3, 17, 0, tzinfo=BERLIN)
    assert add_business_time(schedule, start, timedelta(hours=1)) == (
        datetime(2026, 6, 5, 10, 0, tzinfo=BERLIN)
    )


def test_unknown_region_and_overlaps_are_refused_and_nothing_is_saved(admin):
    with pytest.raises(InvalidInput, match="not a region of DE"):
        business_calendar_create(
            actor=admin,
            name="X",
            time_zone="UTC",
            is_24_7=True,
            holiday_country="DE",
            holiday_subdivision="XX",
        )
    with pytest.raises(InvalidInput, match="overlap"):
        business_calendar_create(
            actor=admin, name="X", time_zone="UTC", hours={0: [(540, 800), (700, 900)]}
        )
    assert not BusinessCalendar.objects.exists()


def test_only_admins_write_calendars(agent):
    with pytest.raises(PermissionDenied):
        business_calendar_create(actor=agent, name="X", time_zone="UTC", is_24_7=True)


def test_the_directory_follows_every_change(admin, inbox, team):
    calendar = business_calendar_create(
        actor=admin, name="A", time_zone="UTC", is_24_7=True, teams=[team]
    )
    assert calendar_directory().schedule_for(inbox_id=inbox.pk, team_id=team.pk) is not None
    assert calendar_directory().schedule_for(inbox_id=inbox.pk, team_id=None) is None
    business_calendar_update(
        actor=admin,
        calendar=calendar,
        name="A",
        time_zone="UTC",
        is_24_7=False,
        hours={0: [(0, 60)]},
        holiday_country="",
        holiday_subdivision="",
        closures=[],
        inboxes=[inbox],
        teams=[],
    )
    schedule = calendar_directory().schedule_for(inbox_id=inbox.pk, team_id=None)
    assert not is_open(schedule, datetime(2026, 3, 3, 0, 30, tzinfo=UTC))  # a Tuesday
    assert calendar_directory().schedule_for(inbox_id=None, team_id=team.pk) is None
