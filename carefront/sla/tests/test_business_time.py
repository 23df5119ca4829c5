"""Business-time arithmetic: the cases of issue 9's "Correctness" section that concern calendars,
and properties that must hold for any calendar and moment."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carefront.sla.business_time import (
    Closure,
    NeverOpen,
    Schedule,
    add_business_time,
    business_time_between,
    is_open,
    next_open,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)


def office(zone: str = "Europe/Berlin", **kwargs) -> Schedule:
    """Mon-Fri 09:00-12:30 and 13:30-17:30 (7.5 h a day), closed at weekends."""
    day = ((9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60 + 30))
    return Schedule(time_zone=zone, weekly=(day,) * 5 + ((), ()), **kwargs)


def nine_to_five(zone: str, **kwargs) -> Schedule:
    return Schedule(time_zone=zone, weekly=(((9 * 60, 17 * 60),),) * 5 + ((), ()), **kwargs)


def local(zone, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


# 2026-03-02 is a Monday.


def test_within_a_working_day():
    cal = office()
    start = local(BERLIN, 2026, 3, 2, 9, 30)
    assert add_business_time(cal, start, H) == local(BERLIN, 2026, 3, 2, 10, 30)
    assert add_business_time(cal, start, H).tzinfo == UTC


def test_lunch_break_is_skipped():
    cal = office()
    start = local(BERLIN, 2026, 3, 2, 12, 0)
    assert add_business_time(cal, start, H) == local(BERLIN, 2026, 3, 2, 14, 0)
    assert not is_open(cal, local(BERLIN, 2026, 3, 2, 13, 0))
    assert next_open(cal, local(BERLIN, 2026, 3, 2, 13, 0)) == local(BERLIN, 2026, 3, 2, 13, 30)


def test_before_hours_starts_at_opening():
    cal = office()
    assert add_business_time(cal, local(BERLIN, 2026, 3, 2, 6, 0), H) == local(
        BERLIN, 2026, 3, 2, 10, 0
    )


def test_after_hours_rolls_to_next_morning():
    cal = office()
    assert add_business_time(cal, local(BERLIN, 2026, 3, 2, 19, 0), H) == local(
        BERLIN, 2026, 3, 3, 10, 0
    )


def test_due_exactly_at_closing_is_the_closing_time():
    cal = office()
    assert add_business_time(cal, local(BERLIN, 2026, 3, 2, 16, 30), H) == local(
        BERLIN, 2026, 3, 2, 17, 30
    )


def test_over_a_weekend():
    cal = office()
    friday = local(BERLIN, 2026, 3, 6, 17, 0)
    assert add_business_time(cal, friday, H) == local(BERLIN, 2026, 3, 9, 9, 30)
    assert business_time_between(cal, friday, local(BERLIN, 2026, 3, 9, 9, 30)) == H
    assert next_open(cal, local(BERLIN, 2026, 3, 7, 12, 0)) == local(BERLIN, 2026, 3, 9, 9, 0)


def test_across_a_public_holiday():
    # 2026-05-01 (Friday) is Labour Day in Germany; 2026-06-04 Corpus Christi in Bavaria only.
    cal = office(country="DE", subdivision="BY")
    thursday = local(BERLIN, 2026, 4, 30, 17, 0)
    assert add_business_time(cal, thursday, H) == local(BERLIN, 2026, 5, 4, 9, 30)
    assert not is_open(cal, local(BERLIN, 2026, 6, 4, 10, 0))
    assert is_open(office(country="DE", subdivision="BE"), local(BERLIN, 2026, 6, 4, 10, 0))


def test_custom_closed_date_and_partial_closure():
    cal = office(
        closed_dates=frozenset({date(2026, 3, 3)}),
        closures=(Closure(datetime(2026, 3, 4, 9, 0), datetime(2026, 3, 4, 11, 0)),),
    )
    monday_evening = local(BERLIN, 2026, 3, 2, 18, 0)
    assert next_open(cal, monday_evening) == local(BERLIN, 2026, 3, 4, 11, 0)
    assert add_business_time(cal, monday_evening, H) == local(BERLIN, 2026, 3, 4, 12, 0)


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Europe/Berlin", (2026, 3, 29)),  # Sunday: 23 h
        ("Europe/Berlin", (2026, 10, 25)),  # Sunday: 25 h
        ("America/New_York", (2026, 3, 8)),  # Sunday: 23 h
        ("America/New_York", (2026, 11, 1)),  # Sunday: 25 h
    ],
)
def test_dst_change_day_keeps_local_hours(zone, day):
    tz = ZoneInfo(zone)
    # Open every day 09:00-17:00 so that the DST Sunday itself is a working day.
    cal = Schedule(time_zone=zone, weekly=(((9 * 60, 17 * 60),),) * 7)
    start = local(tz, *day, 0, 30)
    assert next_open(cal, start) == local(tz, *day, 9, 0)
    assert add_business_time(cal, start, 8 * H) == local(tz, *day, 17, 0)
    midnight = local(tz, *day, 0, 0)
    next_midnight = datetime(*day, tzinfo=tz) + timedelta(days=1)
    next_midnight = datetime.combine(next_midnight.date(), datetime.min.time(), tzinfo=tz)
    assert business_time_between(cal, midnight, next_midnight) == 8 * H


def test_across_dst_week_new_york_friday_to_monday():
    cal = nine_to_five("America/New_York")
    friday = local(NEW_YORK, 2026, 3, 6, 16, 0)  # DST starts Sunday 2026-03-08
    assert add_business_time(cal, friday, 2 * H) == local(NEW_YORK, 2026, 3, 9, 10, 0)
    assert add_business_time(cal, friday, 2 * H) == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def test_night_shift_as_two_intervals_is_continuous():
    night = ((0, 6 * 60), (22 * 60, 24 * 60))
    cal = Schedule(time_zone="Europe/Berlin", weekly=(night,) * 7)
    start = local(BERLIN, 2026, 3, 2, 23, 0)
    assert add_business_time(cal, start, 2 * H) == local(BERLIN, 2026, 3, 3, 1, 0)


def test_24_7_is_wall_clock_time_even_across_dst():
    cal = Schedule.always_open("Europe/Berlin")
    start = local(BERLIN, 2026, 3, 28, 12, 0)
    # 24 elapsed hours (UTC arithmetic), which is 13:00 local on the 23-hour Sunday.
    assert add_business_time(cal, start, 24 * H) == start.astimezone(UTC) + 24 * H
    assert add_business_time(cal, start, 24 * H) == local(BERLIN, 2026, 3, 29, 13, 0)
    assert business_time_between(cal, start, start.astimezone(UTC) + 50 * H) == 50 * H
    assert is_open(cal, local(BERLIN, 2026, 3, 29, 2, 30))


def test_24_7_with_a_holiday_closes_that_day():
    cal = Schedule.always_open("Europe/Berlin", country="DE")
    assert not is_open(cal, local(BERLIN, 2026, 12, 25, 12, 0))
    assert next_open(cal, local(BERLIN, 2026, 12, 25, 12, 0)) == local(BERLIN, 2026, 12, 27, 0, 0)


def test_a_calendar_never_open_says_so():
    cal = Schedule(time_zone="UTC", weekly=((),) * 7)
    with pytest.raises(NeverOpen):
        next_open(cal, datetime(2026, 3, 2, tzinfo=UTC))
    with pytest.raises(NeverOpen):
        add_business_time(cal, datetime(2026, 3, 2, tzinfo=UTC), H)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        is_open(office(), datetime(2026, 3, 2, 10, 0))


# Properties ---------------------------------------------------------------------------------

CALENDARS = [
    office(),
    office("America/New_York", country="US", subdivision="NY"),
    nine_to_five("America/New_York"),
    office(country="DE", subdivision="BY"),
    Schedule(time_zone="Asia/Kolkata", weekly=(((0, 6 * 60), (22 * 60, 24 * 60)),) * 6 + ((),)),
    Schedule.always_open("Europe/Berlin"),
    Schedule(time_zone="Australia/Lord_Howe", weekly=(((7 * 60, 19 * 60),),) * 7),
    # Closures inside, across and around intervals, and custom holidays.
    office(
        "America/New_York",
        closed_dates=frozenset({date(2026, 3, 3), date(2027, 7, 5)}),
        closures=(
            Closure(datetime(2026, 3, 4, 10, 0), datetime(2026, 3, 4, 14, 0)),
            Closure(datetime(2026, 12, 23, 12, 0), datetime(2027, 1, 4, 9, 30)),
            Closure(datetime(2025, 6, 1), datetime(2025, 6, 30)),
        ),
    ),
]

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=12))
calendars = st.sampled_from(CALENDARS)


@given(calendars, moments, durations)
@settings(max_examples=300, deadline=None)
def test_add_then_measure_gives_back_the_duration(cal, start, duration):
    due = add_business_time(cal, start, duration)
    assert due >= start
    assert business_time_between(cal, start, due) == duration


@given(calendars, moments, durations, durations)
@settings(max_examples=200, deadline=None)
def test_between_is_additive_over_a_split_point(cal, start, a, b):
    middle, end = start + a, start + a + b
    assert business_time_between(cal, start, end) == business_time_between(
        cal, start, middle
    ) + business_time_between(cal, middle, end)


@given(calendars, moments, durations)
@settings(max_examples=200, deadline=None)
def test_a_due_time_is_an_open_moment_or_an_interval_end(cal, start, duration):
    due = add_business_time(cal, start, duration)
    just_before = due - timedelta(microseconds=1)
    assert is_open(cal, due) or (duration and is_open(cal, just_before))


@given(calendars, moments, moments, durations)
@settings(max_examples=200, deadline=None)
def test_due_time_is_monotonic_in_the_start(cal, a, b, duration):
    early, late = min(a, b), max(a, b)
    assert add_business_time(cal, early, duration) <= add_business_time(cal, late, duration)


@given(calendars, moments)
@settings(max_examples=200, deadline=None)
def test_next_open_is_open_and_nothing_open_before_it(cal, at):
    opens = next_open(cal, at)
    assert opens >= at
    assert is_open(cal, opens)
    assert business_time_between(cal, at, opens) == timedelta(0)
