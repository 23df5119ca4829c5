"""Business-time arithmetic over a calendar's schedule: pure functions, no database.

A `Schedule` is the compact form of a business calendar: per weekday its opening intervals in
minutes of the local day, the public-holiday source and the closures. Days are laid out in UTC
epoch seconds from the local wall clock, one day at a time, so an interval that is 09:00-17:00
local stays that on a 23 h or 25 h day. Each laid-out day is memoised on the schedule, and public
holidays are cached per (country, subdivision, year): computing many due times on a few calendars
touches each day once.

Intervals never span midnight (validation rejects them; a night shift is two intervals, 22:00-24:00
and 00:00-06:00 the next day), so a local day's intervals are all inside it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

MINUTES_PER_DAY = 24 * 60
# How far ahead to look for the next opening before deciding a calendar is never open.
MAX_SEARCH_DAYS = 2 * 366

# Moments are integer microseconds since the epoch (UTC): exact, so that adding then measuring
# gives back the same duration.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

Interval = tuple[int, int]  # [start, end) in minutes of the local day, 0 <= start < end <= 1440


class NeverOpen(ValueError):  # noqa: N818 - reads better at the raise site
    """The calendar has no open time within the search horizon (no hours, or all closed)."""


@functools.lru_cache(maxsize=512)
def public_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    """The public holidays of a country (and subdivision) in one year, from `holidays`."""
    if not country:
        return frozenset()
    return frozenset(
        holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year).keys()
    )


def supported_regions() -> dict[str, list[str]]:
    """Country codes the `holidays` package knows, each with its subdivision codes."""
    return {code: list(subdivisions) for code, subdivisions in _supported().items()}


@functools.cache
def _supported() -> dict[str, tuple[str, ...]]:
    return {
        code: tuple(subdivisions)
        for code, subdivisions in holidays_lib.list_supported_countries().items()
    }


@dataclass(frozen=True, slots=True)
class Closure:
    """A one-off closure in local wall-clock time: [starts, ends)."""

    starts: datetime  # naive, local
    ends: datetime  # naive, local


@dataclass(eq=False)
class Schedule:
    """A calendar in the form the arithmetic needs. Build one per calendar and reuse it."""

    time_zone: str
    weekly: tuple[tuple[Interval, ...], ...]  # 7 entries, Monday first
    country: str = ""
    subdivision: str = ""
    closures: tuple[Closure, ...] = ()
    closed_dates: frozenset[date] = frozenset()  # custom whole-day holidays
    _zone: ZoneInfo = field(init=False, repr=False)
    _days: dict[date, tuple[tuple[int, int], ...]] = field(
        init=False, repr=False, default_factory=dict
    )
    _closures_utc: tuple[tuple[int, int], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly needs one entry per weekday")
        self._zone = ZoneInfo(self.time_zone)
        self._closures_utc = tuple(
            (self._epoch(c.starts), self._epoch(c.ends)) for c in self.closures
        )

    def __getstate__(self) -> dict:
        # Cached (pickled) without the days it laid out: they are rebuilt on demand.
        state = {name: getattr(self, name) for name in self.__dataclass_fields__}
        state["_days"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    @classmethod
    def always_open(cls, time_zone: str = "UTC", **kwargs) -> Schedule:
        """A 24/7 schedule (holidays and closures, if given, still close it)."""
        return cls(time_zone=time_zone, weekly=(((0, MINUTES_PER_DAY),),) * 7, **kwargs)

    def _epoch(self, local: datetime) -> int:
        return (local.replace(tzinfo=self._zone) - EPOCH) // MICROSECOND

    def local_date(self, ts: int) -> date:
        return (EPOCH + timedelta(microseconds=ts)).astimezone(self._zone).date()

    def day(self, day: date) -> tuple[tuple[int, int], ...]:
        """The open intervals of a local day, in UTC epoch seconds, sorted."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        result: list[tuple[int, int]] = []
        if day not in self.closed_dates and day not in public_holidays(
            self.country, self.subdivision, day.year
        ):
            midnight = datetime.combine(day, time())
            for start_minute, end_minute in self.weekly[day.weekday()]:
                start = self._epoch(midnight + timedelta(minutes=start_minute))
                end = self._epoch(midnight + timedelta(minutes=end_minute))
                if end > start:  # a gap of a spring-forward night can swallow an interval
                    result.extend(_subtract(start, end, self._closures_utc))
        # Two adjacent intervals (12:00-13:00, 13:00-14:00) or 24/7 days: merged, so "interval
        # end" means a real closing moment.
        merged: list[tuple[int, int]] = []
        for start, end in sorted(result):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        days = tuple(merged)
        if len(self._days) > 4096:  # bounded memory for a long-lived process
            self._days.clear()
        self._days[day] = days
        return days


def _subtract(start: int, end: int, closures: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    pieces = [(start, end)]
    for c_start, c_end in closures:
        if c_end <= start or c_start >= end:
            continue
        rest = []
        for p_start, p_end in pieces:
            if c_end <= p_start or c_start >= p_end:
                rest.append((p_start, p_end))
                continue
            if p_start < c_start:
                rest.append((p_start, c_start))
            if c_end < p_end:
                rest.append((c_end, p_end))
        pieces = rest
    return pieces


def _ts(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return (at - EPOCH) // MICROSECOND


def _utc(ts: int) -> datetime:
    return EPOCH + timedelta(microseconds=ts)


def is_open(calendar: Schedule, at: datetime) -> bool:
    """Whether the calendar is open at this moment (intervals are [start, end))."""
    t = _ts(at)
    return any(start <= t < end for start, end in calendar.day(calendar.local_date(t)))


def _next_open_ts(calendar: Schedule, t: int) -> int:
    day = calendar.local_date(t)
    for _ in range(MAX_SEARCH_DAYS):
        for start, end in calendar.day(day):
            if t < end:
                return max(start, t)
        day += timedelta(days=1)
    raise NeverOpen(f"no open time within {MAX_SEARCH_DAYS} days")


def next_open(calendar: Schedule, at: datetime) -> datetime:
    """`at` if the calendar is open then, else the start of its next opening (UTC)."""
    t = _ts(at)
    return _utc(_next_open_ts(calendar, t))


def add_business_time(calendar: Schedule, start: datetime, duration: timedelta) -> datetime:
    """The moment (UTC) when `duration` of open time has passed since `start`.

    A result that falls exactly on a closing moment is that interval's end, not the next
    opening: "due by 17:00" rather than "due by Monday 09:00".
    """
    remaining = duration // MICROSECOND
    if remaining < 0:
        raise ValueError("duration must not be negative")
    t = _ts(start)
    if remaining == 0:
        return _utc(_next_open_ts(calendar, t))
    day = calendar.local_date(t)
    empty_days = 0
    while True:
        intervals = calendar.day(day)
        for interval_start, interval_end in intervals:
            if interval_end <= t:
                continue
            begin = max(interval_start, t)
            available = interval_end - begin
            if remaining <= available:
                return _utc(begin + remaining)
            remaining -= available
        empty_days = 0 if intervals else empty_days + 1
        if empty_days > MAX_SEARCH_DAYS:
            raise NeverOpen(f"no open time within {MAX_SEARCH_DAYS} days")
        day += timedelta(days=1)


def business_time_between(calendar: Schedule, start: datetime, end: datetime) -> timedelta:
    """The open time in [start, end); zero when end is not after start."""
    t0, t1 = _ts(start), _ts(end)
    if t1 <= t0:
        return timedelta(0)
    total = 0
    day, last = calendar.local_date(t0), calendar.local_date(t1)
    while day <= last:
        for interval_start, interval_end in calendar.day(day):
            overlap = min(interval_end, t1) - max(interval_start, t0)
            if overlap > 0:
                total += overlap
        day += timedelta(days=1)
    return timedelta(microseconds=total)
