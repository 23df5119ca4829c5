"""Writing business calendars: hours, holidays, closures and the inboxes and teams that follow
them. Everything is checked before anything is written; a bad calendar is never half-saved."""

import itertools
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Team
from carefront.accounts.services.permissions import require_admin
from carefront.core.exceptions import InvalidInput
from carefront.inboxes.models import Inbox
from carefront.sla.business_time import MINUTES_PER_DAY, supported_regions
from carefront.sla.models import (
    BusinessCalendar,
    CalendarClosure,
    InboxCalendar,
    OpeningInterval,
    TeamCalendar,
)

WeeklyHours = dict[int, list[tuple[int, int]]]  # weekday (0 = Monday) -> [(start, end) minutes]

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = r"(\d{1,2}):(\d{2})"
# An en dash too: what word processors turn a typed hyphen into.
_INTERVAL = re.compile(rf"^{_TIME}\s*[-\u2013]\s*{_TIME}$")


@dataclass(frozen=True)
class ClosureInput:
    starts_on: date
    ends_on: date
    start_time: time | None = None
    end_time: time | None = None
    name: str = ""


def _minutes(hours: str, minutes: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_PER_DAY:
        raise InvalidInput(_("%(time)s is not a time of day.") % {"time": f"{hours}:{minutes}"})
    return value


def parse_weekly_hours(text: str) -> WeeklyHours:
    """Read weekly hours written one weekday per line: `Mon 09:00-12:30, 13:30-17:30`.

    A weekday may be a range (`Mon-Fri 09:00-17:00`); a weekday not named is closed; 24:00 is
    the end of the day. Errors name the line."""
    hours: WeeklyHours = {day: [] for day in range(7)}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head, _sep, rest = line.partition(" ")
        days = _weekdays(head.strip().lower(), number)
        for part in rest.split(","):
            match = _INTERVAL.match(part.strip())
            if not match:
                raise InvalidInput(
                    _('Line %(line)d: "%(text)s" is not an interval like 09:00-17:00.')
                    % {"line": number, "text": part.strip()}
                )
            start = _minutes(match[1], match[2])
            end = _minutes(match[3], match[4])
            for day in days:
                hours[day].append((start, end))
    return hours


def _weekdays(head: str, line: int) -> list[int]:
    first, _sep, last = head.partition("-")
    try:
        start = WEEKDAY_NAMES.index(first[:3])
        end = WEEKDAY_NAMES.index(last[:3]) if last else start
    except ValueError:
        raise InvalidInput(
            _("Line %(line)d: start with a weekday (Mon, Tue, … or a range such as Mon-Fri).")
            % {"line": line}
        ) from None
    if end < start:
        raise InvalidInput(_("Line %(line)d: the weekday range is backwards.") % {"line": line})
    return list(range(start, end + 1))


def parse_closures(text: str) -> list[ClosureInput]:
    """Read closures one per line: `2026-12-24` (a day), `2026-12-24 13:00-24:00` (part of a
    day), `2026-12-27..2026-12-31` (days), `2026-12-31 12:00..2027-01-02 09:00`; anything after
    ` # ` is the reason."""
    closures = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line, _sep, reason = raw.partition("#")
        line = line.strip()
        if not line:
            continue
        try:
            closures.append(_closure(line, reason.strip()))
        except (ValueError, InvalidInput) as exc:
            message = exc.message if isinstance(exc, InvalidInput) else ""
            raise InvalidInput(
                _(
                    'Line %(line)d: "%(text)s" is not a closure such as 2026-12-24, '
                    "2026-12-24 13:00-24:00 or 2026-12-27..2026-12-31. %(detail)s"
                )
                % {"line": number, "text": line, "detail": message}
            ) from None
    return closures


def _time(text: str) -> time:
    minutes = _minutes(*text.split(":"))
    # 24:00 as the end of a closure's last day.
    return time.max if minutes == MINUTES_PER_DAY else time(minutes // 60, minutes % 60)


def _closure(line: str, reason: str) -> ClosureInput:
    if ".." in line:
        left, right = (part.strip() for part in line.split("..", 1))
        start_day, _s, start_at = left.partition(" ")
        end_day, _s, end_at = right.partition(" ")
        return ClosureInput(
            starts_on=date.fromisoformat(start_day),
            ends_on=date.fromisoformat(end_day),
            start_time=_time(start_at.strip()) if start_at.strip() else None,
            end_time=_time(end_at.strip()) if end_at.strip() else None,
            name=reason,
        )
    day, _s, times = line.partition(" ")
    times = times.strip()
    if times:
        match = _INTERVAL.match(times)
        if not match:
            raise ValueError(times)
        start, end = _time(f"{match[1]}:{match[2]}"), _time(f"{match[3]}:{match[4]}")
        return ClosureInput(date.fromisoformat(day), date.fromisoformat(day), start, end, reason)
    return ClosureInput(date.fromisoformat(day), date.fromisoformat(day), name=reason)


def _check(
    *,
    time_zone: str,
    holiday_country: str,
    holiday_subdivision: str,
    hours: WeeklyHours,
    closures: Iterable[ClosureInput],
    is_24_7: bool,
) -> None:
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(_("%(zone)s is not a known time zone.") % {"zone": time_zone}) from None
    regions = supported_regions()
    if holiday_country and holiday_country not in regions:
        raise InvalidInput(
            _("%(country)s is not a country with known public holidays.")
            % {"country": holiday_country}
        )
    if holiday_subdivision and not holiday_country:
        raise InvalidInput(_("Choose the country of the region."))
    if holiday_subdivision and holiday_subdivision not in regions[holiday_country]:
        raise InvalidInput(
            _("%(region)s is not a region of %(country)s; known: %(known)s.")
            % {
                "region": holiday_subdivision,
                "country": holiday_country,
                "known": ", ".join(regions[holiday_country]) or "-",
            }
        )
    for day, intervals in hours.items():
        ordered = sorted(intervals)
        for start, end in ordered:
            if end <= start:
                raise InvalidInput(
                    _(
                        "%(day)s: an interval must end after it starts (%(start)s-%(end)s); "
                        "for a night shift, write two intervals, up to 24:00 and from 00:00."
                    )
                    % {"day": WEEKDAY_NAMES[day].title(), "start": _hhmm(start), "end": _hhmm(end)}
                )
        for (_s1, end1), (start2, _e2) in itertools.pairwise(ordered):
            if start2 < end1:
                raise InvalidInput(
                    _("%(day)s: intervals overlap at %(time)s.")
                    % {"day": WEEKDAY_NAMES[day].title(), "time": _hhmm(start2)}
                )
    if not is_24_7 and not any(hours.values()):
        raise InvalidInput(_("Give opening hours for at least one weekday, or choose 24/7."))
    for closure in closures:
        starts = (closure.starts_on, closure.start_time or time.min)
        ends = (closure.ends_on, closure.end_time or time.max)
        if ends <= starts:
            raise InvalidInput(
                _("The closure from %(start)s must end after it starts.")
                % {"start": closure.starts_on.isoformat()}
            )


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _write(
    calendar: BusinessCalendar,
    hours: WeeklyHours,
    closures: Iterable[ClosureInput],
    inboxes: Iterable[Inbox],
    teams: Iterable[Team],
) -> None:
    calendar.intervals.all().delete()
    OpeningInterval.objects.bulk_create(
        OpeningInterval(calendar=calendar, weekday=day, start_minute=start, end_minute=end)
        for day, intervals in hours.items()
        for start, end in intervals
    )
    calendar.closures.all().delete()
    CalendarClosure.objects.bulk_create(
        CalendarClosure(
            calendar=calendar,
            name=c.name[:100],
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            start_time=c.start_time,
            end_time=c.end_time,
        )
        for c in closures
    )
    # An inbox or team follows one calendar: choosing it here moves it from another.
    InboxCalendar.objects.filter(calendar=calendar).delete()
    for inbox in inboxes:
        InboxCalendar.objects.update_or_create(inbox=inbox, defaults={"calendar": calendar})
    TeamCalendar.objects.filter(calendar=calendar).delete()
    for team in teams:
        TeamCalendar.objects.update_or_create(team=team, defaults={"calendar": calendar})


def _replan_after_commit(
    calendar_id: int | None, inboxes: Iterable[Inbox] = (), teams: Iterable[Team] = ()
) -> None:
    """Running business-time SLA clocks of the inboxes and teams that followed or now follow
    this calendar are re-planned after the commit, by a task in bounded batches. The calendars
    as they were before the edit go with it: time already counted stays counted."""
    from carefront.sla.selectors import calendar_directory

    from .targets import calendar_recompute_enqueue, calendar_snapshot

    directory = calendar_directory()
    inbox_ids = {i.pk for i in inboxes} | {
        inbox for inbox, cal in directory.by_inbox.items() if cal == calendar_id
    }
    team_ids = {t.pk for t in teams} | {
        team for team, cal in directory.by_team.items() if cal == calendar_id
    }
    if not inbox_ids and not team_ids:
        return
    snapshot = calendar_snapshot(directory)
    transaction.on_commit(
        lambda: calendar_recompute_enqueue(
            snapshot=snapshot, inbox_ids=inbox_ids, team_ids=team_ids
        ),
        robust=True,
    )


def _clean_name(name: str, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A calendar needs a name."))
    taken = BusinessCalendar.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists()
    if taken:
        raise InvalidInput(_("A calendar named %(name)s exists already.") % {"name": name})
    return name


@transaction.atomic
def business_calendar_create(
    *,
    actor: Agent,
    name: str,
    time_zone: str,
    is_24_7: bool = False,
    hours: WeeklyHours | None = None,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    closures: Iterable[ClosureInput] = (),
    inboxes: Iterable[Inbox] = (),
    teams: Iterable[Team] = (),
) -> BusinessCalendar:
    require_admin(actor)
    hours = hours or {}
    closures = list(closures)
    _check(
        time_zone=time_zone,
        holiday_country=holiday_country,
        holiday_subdivision=holiday_subdivision,
        hours=hours,
        closures=closures,
        is_24_7=is_24_7,
    )
    inboxes, teams = list(inboxes), list(teams)
    _replan_after_commit(None, inboxes, teams)
    try:
        calendar = BusinessCalendar.objects.create(
            name=_clean_name(name),
            time_zone=time_zone,
            is_24_7=is_24_7,
            holiday_country=holiday_country,
            holiday_subdivision=holiday_subdivision,
        )
    except IntegrityError:
        raise InvalidInput(
            _("A calendar named %(name)s exists already.") % {"name": name}
        ) from None
    _write(calendar, hours, closures, inboxes, teams)
    return calendar


@transaction.atomic
def business_calendar_update(
    *,
    actor: Agent,
    calendar: BusinessCalendar,
    name: str,
    time_zone: str,
    is_24_7: bool,
    hours: WeeklyHours,
    holiday_country: str,
    holiday_subdivision: str,
    closures: Iterable[ClosureInput],
    inboxes: Iterable[Inbox],
    teams: Iterable[Team],
) -> BusinessCalendar:
    require_admin(actor)
    closures = list(closures)
    _check(
        time_zone=time_zone,
        holiday_country=holiday_country,
        holiday_subdivision=holiday_subdivision,
        hours=hours,
        closures=closures,
        is_24_7=is_24_7,
    )
    calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    inboxes, teams = list(inboxes), list(teams)
    _replan_after_commit(calendar.pk, inboxes, teams)
    calendar.name = _clean_name(name, exclude_pk=calendar.pk)
    calendar.time_zone = time_zone
    calendar.is_24_7 = is_24_7
    calendar.holiday_country = holiday_country
    calendar.holiday_subdivision = holiday_subdivision
    calendar.save(
        update_fields=[
            "name",
            "time_zone",
            "is_24_7",
            "holiday_country",
            "holiday_subdivision",
            "updated_at",
        ]
    )
    _write(calendar, hours, closures, inboxes, teams)
    return calendar


@transaction.atomic
def business_calendar_delete(*, actor: Agent, calendar: BusinessCalendar) -> None:
    """Remove a calendar; its inboxes and teams are then always counted as open (or follow their
    team's calendar)."""
    require_admin(actor)
    _replan_after_commit(calendar.pk)
    calendar.delete()
