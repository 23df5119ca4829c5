"""Reading business calendars: the admin list, and the compact schedules every page and due-time
computation uses, loaded once per change of any calendar (not per request or per row)."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_admin
from carefront.conversations.models import Conversation
from carefront.conversations.selectors import conversations_visible_to
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.core.generations import Generation
from carefront.core.pagination import cursor_decode, cursor_encode
from carefront.inboxes.models import Inbox
from carefront.sla.business_time import Closure, NeverOpen, Schedule, is_open, next_open
from carefront.sla.models import (
    ACTIVE_STATES,
    OUTSTANDING,
    Acknowledgement,
    AcknowledgementOutcome,
    BusinessCalendar,
    CalendarClosure,
    FollowUp,
    FollowUpState,
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


# --- Follow-up promises -------------------------------------------------------------------------

FOLLOWUP_PAGE_SIZE = 25
# Kept / broken counts look back this far.
FOLLOWUP_RECORD_DAYS = 90


def conversation_followups(*, conversation: Conversation) -> list[FollowUp]:
    """A conversation's promises, outstanding first, then by due time (the caller checked that
    the actor sees the conversation). One query."""
    rows = list(
        FollowUp.objects.filter(conversation=conversation)
        .select_related("owner", "created_by")
        .order_by("due_at", "id")
    )
    return sorted(rows, key=lambda f: not f.is_outstanding)


def access_followup(*, actor: Agent, conversation_id: int, follow_up_id: int) -> FollowUp:
    """A promise on a conversation the actor sees; NotFound otherwise (no existence leak)."""
    follow_up = (
        FollowUp.objects.filter(
            pk=follow_up_id,
            conversation_id=conversation_id,
            conversation__in=conversations_visible_to(actor=actor),
        )
        .select_related("owner", "created_by")
        .first()
    )
    if follow_up is None:
        raise NotFound(gettext("Follow-up not found."))
    return follow_up


# What "My follow-ups" shows: loading only these keeps a page cheap.
OUTSTANDING_LIST_FIELDS = [
    "conversation_id",
    "owner_id",
    "due_at",
    "note",
    "state",
    "kept_at",
    "conversation__subject",
    "conversation__customer__name",
    "conversation__customer__email",
    "conversation__customer__sender_unknown",
    "conversation__inbox__name",
]


@dataclass
class FollowUpPage:
    items: list[FollowUp]
    next_cursor: str | None


def followups_outstanding(
    *, actor: Agent, owner: Agent, cursor: str | None = None, limit: int = FOLLOWUP_PAGE_SIZE
) -> FollowUpPage:
    """`owner`'s outstanding promises (not yet due, or due and not kept), the soonest due, so
    the most overdue, first; keyset pages on (due_at, id) through `followup_owner_idx`. Only
    those on conversations the actor sees. One query a page (rows with their conversation,
    customer and inbox; no count)."""
    qs = FollowUp.objects.filter(OUTSTANDING, owner=owner)
    if not actor.sees_all_inboxes:
        # Per row, as conversations_visible_to does: an `IN (visible conversations)` would
        # list every visible conversation first (its cost grows with the table).
        member = Inbox.teams.through.objects.filter(
            inbox_id=OuterRef("conversation__inbox_id"), team__members=actor
        )
        qs = qs.filter(Exists(member))
    if cursor:
        due_at, last_id = _followup_cursor(cursor)
        qs = qs.filter(Q(due_at__gte=due_at) & (Q(due_at__gt=due_at) | Q(id__gt=last_id)))
    rows = list(
        qs.select_related("conversation", "conversation__customer", "conversation__inbox")
        .only(*OUTSTANDING_LIST_FIELDS)
        .order_by("due_at", "id")[: limit + 1]
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = cursor_encode(["followups", last.due_at.isoformat(), last.pk])
    return FollowUpPage(items=rows, next_cursor=next_cursor)


def _followup_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        values = cursor_decode(cursor)
        kind, when, last_id = values
        due_at = datetime.fromisoformat(when)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(gettext("The page cursor is not valid.")) from exc
    if (
        kind != "followups"
        or due_at.tzinfo is None
        or not isinstance(last_id, int)
        or isinstance(last_id, bool)
        or not 0 <= last_id < 2**63
    ):
        raise InvalidInput(gettext("The page cursor is not valid."))
    return due_at, last_id


@dataclass(frozen=True)
class FollowUpRecord:
    """How an agent kept their promises that came due in the period."""

    owner_id: int
    owner_name: str
    kept: int
    broken: int
    outstanding: int

    @property
    def kept_share(self) -> int | None:
        """Kept, in percent of those that came due (None: none did)."""
        done = self.kept + self.broken
        return round(100 * self.kept / done) if done else None


def followup_records(
    *, actor: Agent, now: datetime, days: int = FOLLOWUP_RECORD_DAYS
) -> list[FollowUpRecord]:
    """Kept and broken promises per agent, due in the last `days` days; outstanding ones of
    any age. An agent sees their own record, leads and admins everyone's. One grouped query."""
    since = now - timedelta(days=days)
    qs = FollowUp.objects.filter(Q(due_at__gte=since, due_at__lte=now) | OUTSTANDING)
    if not actor.sees_all_inboxes:
        qs = qs.filter(owner=actor)
    rows = (
        qs.values("owner_id", "owner__name", "owner__email")
        .annotate(
            kept=Count("id", filter=Q(state=FollowUpState.KEPT, due_at__gte=since)),
            broken=Count("id", filter=Q(broken_at__isnull=False, due_at__gte=since)),
            outstanding=Count("id", filter=OUTSTANDING),
        )
        .order_by("owner__name", "owner_id")
    )
    return [
        FollowUpRecord(
            owner_id=row["owner_id"],
            owner_name=row["owner__name"] or row["owner__email"],
            kept=row["kept"],
            broken=row["broken"],
            outstanding=row["outstanding"],
        )
        for row in rows
    ]
