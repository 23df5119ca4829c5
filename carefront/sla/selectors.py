"""Reading business calendars: the admin list, and the compact schedules every page and due-time
computation uses, loaded once per change of any calendar (not per request or per row)."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from carefront.accounts.services.permissions import require_admin
from carefront.core.generations import Generation
from carefront.sla.business_time import Closure, NeverOpen, Schedule, is_open, next_open
from carefront.sla.models import (
    ACTIVE_STATES,
    Acknowledgement,
    AcknowledgementOutcome,
    BusinessCalendar,
    CalendarClosure,
    InboxCalendar,
    OpeningInterval,
    SlaPolicy,
    SlaTarget,
    TargetState,
    TeamCalendar,
)

CALENDARS = Generation("sla-calendars")
DIRECTORY_SECONDS = 3600


def calendars_changed(**kwargs) -> None:
    CALENDARS.changed()


def connect_generation() -> None:
    for model in (BusinessCalendar, OpeningInterval, CalendarClosure, InboxCalendar, TeamCalendar):
        post_save.connect(calendars_changed, sender=model, dispatch_uid=f"sla-{model.__name__}")
        post_delete.connect(calendars_changed, sender=model, dispatch_uid=f"sla-{model.__name__}-d")


def calendar_list() -> QuerySet[BusinessCalendar]:
    """Calendars for the admin list, with how many inboxes and teams follow each."""
    return BusinessCalendar.objects.annotate(
        inbox_count=Count("inbox_links", distinct=True),
        team_count=Count("team_links", distinct=True),
    ).order_by("name")


def schedule_of(calendar: BusinessCalendar) -> Schedule:
    """The arithmetic's form of a calendar (intervals and closures prefetched or queried)."""
    closures = tuple(
        Closure(
            starts=datetime.combine(c.starts_on, c.start_time or time.min),
            ends=(
                datetime.combine(c.ends_on, c.end_time)
                # 24:00 is stored as the last moment of the day.
                if c.end_time is not None and c.end_time < time(23, 59, 59)
                else datetime.combine(c.ends_on + timedelta(days=1), time.min)
            ),
        )
        for c in calendar.closures.all()
    )
    regions = {"country": calendar.holiday_country, "subdivision": calendar.holiday_subdivision}
    if calendar.is_24_7:
        return Schedule.always_open(calendar.time_zone, closures=closures, **regions)
    weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for interval in calendar.intervals.all():
        weekly[interval.weekday].append((interval.start_minute, interval.end_minute))
    return Schedule(
        time_zone=calendar.time_zone,
        weekly=tuple(tuple(sorted(day)) for day in weekly),
        closures=closures,
        **regions,
    )


@dataclass
class CalendarDirectory:
    """Every calendar's schedule, and which inbox and team follow which."""

    schedules: dict[int, Schedule] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    by_inbox: dict[int, int] = field(default_factory=dict)
    by_team: dict[int, int] = field(default_factory=dict)

    def schedule_for(self, *, inbox_id: int | None, team_id: int | None) -> Schedule | None:
        """The inbox's calendar, else its team's, else none."""
        calendar_id = self.by_inbox.get(inbox_id) if inbox_id is not None else None
        if calendar_id is None and team_id is not None:
            calendar_id = self.by_team.get(team_id)
        return self.schedules.get(calendar_id) if calendar_id is not None else None


def calendar_directory() -> CalendarDirectory:
    """All calendars (there are few), from the cache under the calendars' generation: no query
    on a warm cache; one with no calendars; five after a change."""
    key = CALENDARS.key("directory")
    directory = cache.get(key)
    if directory is not None:
        return directory
    directory = CalendarDirectory()
    for calendar in BusinessCalendar.objects.prefetch_related("intervals", "closures"):
        directory.schedules[calendar.pk] = schedule_of(calendar)
        directory.names[calendar.pk] = calendar.name
    if directory.schedules:
        directory.by_inbox = dict(InboxCalendar.objects.values_list("inbox_id", "calendar_id"))
        directory.by_team = dict(TeamCalendar.objects.values_list("team_id", "calendar_id"))
    cache.set(key, directory, DIRECTORY_SECONDS)
    return directory


@dataclass(frozen=True)
class Closed:
    """Outside business hours now; open again at `opens_at` (None: not within two years)."""

    opens_at: datetime | None


def business_hours_state(
    *,
    inbox_id: int | None,
    team_id: int | None,
    now: datetime,
    directory: CalendarDirectory | None = None,
) -> Closed | None:
    """None when open (or no calendar applies); else when it opens next. Pass `directory` when
    asking about many inboxes: it is read from the cache once."""
    directory = directory or calendar_directory()
    schedule = directory.schedule_for(inbox_id=inbox_id, team_id=team_id)
    if schedule is None or is_open(schedule, now):
        return None
    try:
        return Closed(opens_at=next_open(schedule, now))
    except NeverOpen:
        return Closed(opens_at=None)


KEPT_RATE_DAYS = 30


@dataclass(frozen=True, slots=True)
class KeptRate:
    """How often an inbox's acknowledgements stated a reply time the team kept."""

    kept: int
    judged: int  # kept + missed (void and pending ones do not count)

    @property
    def percent(self) -> int | None:
        return round(100 * self.kept / self.judged) if self.judged else None


def acknowledgement_kept_rates(
    *, inbox_ids: list[int], now: datetime | None = None
) -> dict[int, KeptRate]:
    """Per inbox, the promises of the last 30 days (by promised time) kept and judged. One
    query for any number of inboxes; inboxes without any are absent."""
    if not inbox_ids:
        return {}
    now = now or timezone.now()
    rows = (
        Acknowledgement.objects.filter(
            inbox_id__in=inbox_ids,
            promised_at__gte=now - timedelta(days=KEPT_RATE_DAYS),
            promised_at__lte=now,
            outcome__in=[AcknowledgementOutcome.KEPT, AcknowledgementOutcome.MISSED],
        )
        .values("inbox_id")
        .annotate(
            kept=Count("pk", filter=Q(outcome=AcknowledgementOutcome.KEPT)),
            judged=Count("pk"),
        )
        .order_by()
    )
    return {row["inbox_id"]: KeptRate(kept=row["kept"], judged=row["judged"]) for row in rows}


# --- SLA policies and targets --------------------------------------------------------------

# The targets shown on a conversation: the running ones and the latest outcomes.
TARGETS_SHOWN = 12


def sla_policy_list(*, actor) -> list[SlaPolicy]:
    """Every policy in the order they are tried, with their inboxes, teams and tags (4 queries).
    Admins only. Not paged: policies are few, and their order is the point."""
    require_admin(actor)
    return list(
        SlaPolicy.objects.select_related("reassign_team")
        .prefetch_related("inboxes", "teams", "tags")
        .order_by("position", "id")
    )


def conversation_sla_targets(*, conversation) -> list[SlaTarget]:
    """The conversation's SLA targets for its page: active ones first, then the latest outcomes
    (met or breached), newest first; cancelled ones are left out. One query."""
    targets = list(
        SlaTarget.objects.filter(conversation_id=conversation.pk)
        .exclude(state=TargetState.CANCELLED)
        .select_related("policy")
        .only(
            "kind",
            "basis",
            "target_seconds",
            "state",
            "started_at",
            "spent_seconds",
            "due_at",
            "at_risk_at",
            "met_at",
            "elapsed_seconds",
            "breached_at",
            "created_at",
            "policy__name",
        )
        .order_by("-created_at", "-id")[:TARGETS_SHOWN]
    )
    return sorted(targets, key=lambda t: t.state not in ACTIVE_STATES)
