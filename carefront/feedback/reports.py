"""Feedback reports: the recovery report (what happened to the bad experiences of a period:
outcomes, time to recover, on time or late, per inbox, and its CSV rows), and the feedback
report (CSAT, response rate, NPS and recovery by inbox, team or agent and by day, week or month,
in the report's time zone).

Both read only the rows of their period (indexes on the dates), so their cost follows the
period, not the tables.
"""

import datetime as dt
import statistics
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import NotSupportedError
from django.db.models import Count, DateField, Func, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role, Team
from carefront.core.exceptions import InvalidInput
from carefront.inboxes.models import Inbox

from .models import (
    InvitationStatus,
    NpsInvitation,
    NpsResponse,
    Rating,
    RecoveryOutcome,
    RecoveryReason,
    RecoveryState,
    RecoveryTask,
    Score,
    Survey,
    SurveyStatus,
)
from .selectors import CATEGORY_COUNTS, nps_score, recovery_tasks_visible_to


@dataclass
class RecoveryReport:
    since: dt.datetime
    until: dt.datetime
    opened: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    closed_on_time: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    by_reason: dict[str, int] = field(default_factory=dict)
    # (inbox name, opened, closed, median hours to recover or None)
    by_inbox: list[tuple[str, int, int, float | None]] = field(default_factory=list)
    median_hours: float | None = None
    mean_hours: float | None = None

    @property
    def on_time_pct(self) -> int | None:
        return round(100 * self.closed_on_time / self.closed) if self.closed else None


def _period_tasks(
    *, actor: Agent, since: dt.datetime, until: dt.datetime, inbox_id: int | None
) -> QuerySet[RecoveryTask]:
    qs = recovery_tasks_visible_to(actor=actor).filter(created_at__gte=since, created_at__lt=until)
    return qs.filter(inbox_id=inbox_id) if inbox_id else qs


def _hours(task_created: dt.datetime, task_closed: dt.datetime) -> float:
    return (task_closed - task_created).total_seconds() / 3600


def recovery_report(
    *,
    actor: Agent,
    since: dt.datetime,
    until: dt.datetime | None = None,
    inbox_id: int | None = None,
    now: dt.datetime | None = None,
) -> RecoveryReport:
    """One query: the period's tasks (few columns), summed up in Python."""
    now = now or timezone.now()
    until = until or now
    report = RecoveryReport(since=since, until=until)
    rows = _period_tasks(actor=actor, since=since, until=until, inbox_id=inbox_id).values_list(
        "state", "outcome", "reason", "created_at", "due_at", "closed_at", "inbox__name"
    )
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    durations: list[float] = []
    inboxes: dict[str, list] = {}
    for state, outcome, reason, created_at, due_at, closed_at, inbox_name in rows.order_by():
        report.opened += 1
        reasons[reason] += 1
        per_inbox = inboxes.setdefault(inbox_name or "—", [0, 0, []])
        per_inbox[0] += 1
        if state == RecoveryState.OPEN:
            report.open += 1
            report.overdue += due_at < now
            continue
        report.closed += 1
        report.closed_on_time += closed_at <= due_at
        outcomes[outcome] += 1
        hours = _hours(created_at, closed_at)
        durations.append(hours)
        per_inbox[1] += 1
        per_inbox[2].append(hours)
    report.by_outcome = {value: outcomes[value] for value in RecoveryOutcome.values}
    report.by_reason = {value: reasons[value] for value in RecoveryReason.values}
    report.by_inbox = [
        (name, opened, closed, round(statistics.median(hours), 1) if hours else None)
        for name, (opened, closed, hours) in sorted(inboxes.items())
    ]
    if durations:
        report.median_hours = round(statistics.median(durations), 1)
        report.mean_hours = round(statistics.fmean(durations), 1)
    return report


CSV_HEADER = [
    "id",
    "opened_at",
    "reason",
    "source",
    "score",
    "comment",
    "inbox",
    "conversation_id",
    "customer_email",
    "agent",
    "owner",
    "due_at",
    "state",
    "outcome",
    "note",
    "closed_by",
    "closed_at",
    "hours_to_recover",
    "on_time",
]


def recovery_csv_rows(
    *, actor: Agent, since: dt.datetime, until: dt.datetime, inbox_id: int | None = None
) -> Iterator[list[str]]:
    """The header, then one row per task opened in the period, oldest first (streamed from
    the database in chunks)."""
    yield CSV_HEADER
    qs = _period_tasks(actor=actor, since=since, until=until, inbox_id=inbox_id).order_by(
        "created_at", "id"
    )
    for t in qs.iterator(chunk_size=500):
        closed = t.closed_at is not None
        yield [
            str(t.pk),
            t.created_at.isoformat(),
            t.reason,
            f"{t.source_kind}:{t.source_id}",
            t.score,
            t.comment,
            t.inbox.name if t.inbox else "",
            str(t.conversation_id or ""),
            t.customer.email,
            t.agent.name if t.agent else "",
            t.owner.name if t.owner else "",
            t.due_at.isoformat(),
            t.state,
            t.outcome,
            t.note,
            t.closed_by.name if t.closed_by else "",
            t.closed_at.isoformat() if closed else "",
            f"{_hours(t.created_at, t.closed_at):.1f}" if closed else "",
            ("yes" if t.closed_at <= t.due_at else "no") if closed else "",
        ]


def csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab or carriage
    return) gets a leading apostrophe (OWASP's advice on CSV injection). Customer comments and
    notes are free text."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


# The feedback report: CSAT, NPS, response rate and recovery by inbox, team or agent and period

REPORT_PERIODS = ("day", "week", "month")
REPORT_DIMENSIONS = ("inbox", "team", "agent")
# A report covers at most this many days (about two years): its cost follows the range.
MAX_REPORT_DAYS = 731
# At most this many periods on the trend (daily over two years would be 731 points).
MAX_TREND_POINTS = 400
# CSAT points, for the average: great 3, okay 2, not good 1 (as the feedback inbox scores).
CSAT_POINTS = {Score.GREAT: 3, Score.OKAY: 2, Score.NOT_GOOD: 1}

# Where each dimension is found on a rating (and a survey), a recovery task and an NPS answer.
_RATING_DIMENSION = {
    "inbox": "conversation__inbox_id",
    "team": "conversation__team_id",
    "agent": "agent_id",
}
_TASK_DIMENSION = {"inbox": "inbox_id", "team": "conversation__team_id", "agent": "agent_id"}
_DIMENSION_MODEL = {"inbox": Inbox, "team": Team, "agent": Agent}


def _offset_spans(
    tz: zoneinfo.ZoneInfo, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime | None, int]]:
    """The UTC offsets of `tz` between `start` and `end`: [(until, seconds)...], each offset
    in force until the UTC moment given (None: to the end). Found day by day, then to the
    second around each change (daylight saving time: two a year, in most zones)."""
    utc_start, utc_end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def offset(moment: dt.datetime) -> int:
        return int(moment.astimezone(tz).utcoffset().total_seconds())

    spans: list[tuple[dt.datetime | None, int]] = []
    current = offset(utc_start)
    day = utc_start
    while day < utc_end:
        following = min(day + dt.timedelta(days=1), utc_end)
        if offset(following) != current:
            low, high = day, following  # the change is in (low, high]
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == current:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            spans.append((high, current))
            current = offset(high)
        day = following
    spans.append((None, current))
    return spans


class LocalDate(Func):
    """The day a stored moment falls on in a time zone, computed by the database without a
    Python function per row (Django's Trunc runs one per row on SQLite, which costs seconds
    at 100,000 rows). PostgreSQL converts with AT TIME ZONE; SQLite shifts by the zone's
    offset, chosen by a CASE over the offset changes in the report's range."""

    output_field = DateField()

    def __init__(
        self, expression: str, *, tz: zoneinfo.ZoneInfo, start: dt.datetime, end: dt.datetime
    ) -> None:
        super().__init__(expression)
        self.tz = tz
        self.spans = _offset_spans(tz, start, end)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) AT TIME ZONE %s)::date", [*params, self.tz.key]

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        if len(self.spans) == 1:
            return f"date({sql}, %s)", [*params, f"{self.spans[0][1]:+d} seconds"]
        whens, when_params = [], []
        for until, seconds in self.spans[:-1]:
            whens.append(f"WHEN {sql} < %s THEN %s")
            when_params += [
                *params,
                connection.ops.adapt_datetimefield_value(until),
                f"{seconds:+d} seconds",
            ]
        case = f"CASE {' '.join(whens)} ELSE %s END"
        return (
            f"date({sql}, {case})",
            [*params, *when_params, f"{self.spans[-1][1]:+d} seconds"],
        )

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("LocalDate supports SQLite and PostgreSQL.")


def period_start(day: dt.date, period: str) -> dt.date:
    """The first day of the day, week (Monday) or month `day` is in."""
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def percentile(values: list[float], pct: int) -> float | None:
    """The `pct`th percentile (inclusive method, as spreadsheets compute it); None when empty."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


@dataclass
class CsatFigures:
    """Ratings by score and surveys sent and answered (surveys are counted in the period they
    were sent, ratings in the period they were given)."""

    great: int = 0
    okay: int = 0
    not_good: int = 0
    sent: int = 0
    answered: int = 0

    def add_score(self, score: str, n: int) -> None:
        setattr(self, score, getattr(self, score) + n)

    @property
    def ratings(self) -> int:
        return self.great + self.okay + self.not_good

    @property
    def csat(self) -> float | None:
        """The share of "great" among the ratings, in percent; None without ratings."""
        return round(100 * self.great / self.ratings, 1) if self.ratings else None

    @property
    def average(self) -> float | None:
        """The mean score (great 3, okay 2, not good 1), two decimals."""
        if not self.ratings:
            return None
        points = 3 * self.great + 2 * self.okay + self.not_good
        return round(points / self.ratings, 2)

    @property
    def response_rate(self) -> float | None:
        """Surveys answered per survey sent, in percent; None when none was sent."""
        return round(100 * self.answered / self.sent, 1) if self.sent else None


@dataclass
class NpsFigures:
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    invited: int = 0

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        return nps_score(
            promoters=self.promoters, passives=self.passives, detractors=self.detractors
        )

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.responses / self.invited, 1) if self.invited else None


@dataclass
class RecoveryFigures:
    opened: int = 0
    closed: int = 0
    closed_on_time: int = 0
    hours: list[float] = field(default_factory=list, repr=False)
    by_outcome: dict[str, int] = field(default_factory=dict)

    @property
    def median_hours(self) -> float | None:
        return round(statistics.median(self.hours), 1) if self.hours else None

    @property
    def p90_hours(self) -> float | None:
        value = percentile(sorted(self.hours), 90)
        return None if value is None else round(value, 1)

    @property
    def on_time_pct(self) -> float | None:
        return round(100 * self.closed_on_time / self.closed, 1) if self.closed else None


@dataclass
class ReportRow:
    """One inbox, team or agent (key None: conversations without one)."""

    key: int | None
    name: str
    csat: CsatFigures = field(default_factory=CsatFigures)
    nps: NpsFigures | None = None
    recovery: RecoveryFigures = field(default_factory=RecoveryFigures)


@dataclass
class ReportPeriod:
    start: dt.date
    csat: CsatFigures = field(default_factory=CsatFigures)
    nps: NpsFigures = field(default_factory=NpsFigures)
    recovery: RecoveryFigures = field(default_factory=RecoveryFigures)


@dataclass
class FeedbackReport:
    since: dt.date  # first day, in the report's time zone
    until: dt.date  # last day (included)
    time_zone: str
    period: str
    dimension: str
    # "all" (admins), "teams" (a lead: their teams' conversations), "own" (an agent).
    scope: str
    shows_nps: bool
    csat: CsatFigures = field(default_factory=CsatFigures)
    nps: NpsFigures = field(default_factory=NpsFigures)
    recovery: RecoveryFigures = field(default_factory=RecoveryFigures)
    rows: list[ReportRow] = field(default_factory=list)
    trend: list[ReportPeriod] = field(default_factory=list)


def report_period_starts(*, since: dt.date, until: dt.date, period: str) -> list[dt.date]:
    """The first day of every period that overlaps [since, until] (weeks start on Monday)."""
    if period == "day":
        first = since
    elif period == "week":
        first = since - dt.timedelta(days=since.weekday())
    else:
        first = since.replace(day=1)
    starts = []
    day = first
    while day <= until:
        starts.append(day)
        if period == "day":
            day += dt.timedelta(days=1)
        elif period == "week":
            day += dt.timedelta(weeks=1)
        else:
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return starts


def _validate(
    *, since: dt.date, until: dt.date, period: str, dimension: str, time_zone: str
) -> zoneinfo.ZoneInfo:
    if period not in REPORT_PERIODS:
        raise InvalidInput(_("The period is day, week or month."))
    if dimension not in REPORT_DIMENSIONS:
        raise InvalidInput(_("Group by inbox, team or agent."))
    if until < since:
        raise InvalidInput(_("The end of the range is before its start."))
    if (until - since).days + 1 > MAX_REPORT_DAYS:
        raise InvalidInput(_("A report covers at most %(days)s days.") % {"days": MAX_REPORT_DAYS})
    if period == "day" and (until - since).days + 1 > MAX_TREND_POINTS:
        raise InvalidInput(
            _("Daily figures cover at most %(days)s days: choose weeks or months.")
            % {"days": MAX_TREND_POINTS}
        )
    try:
        return zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(_("Unknown time zone: %(tz)s") % {"tz": time_zone}) from exc


def _report_scope(actor: Agent) -> str:
    if actor.is_admin:
        return "all"
    if actor.role == Role.LEAD:
        return "teams"
    return "own"


def _scoped_conversation_rows(
    qs: QuerySet, *, actor: Agent, scope: str, agent_field: str
) -> QuerySet:
    """Ratings or surveys: an admin's all; a lead's, those of their teams' conversations; an
    agent's, those credited to them."""
    if scope == "all":
        return qs
    if scope == "teams":
        return qs.filter(conversation__team_id__in=Team.objects.filter(members=actor).values("pk"))
    return qs.filter(**{agent_field: actor.pk})


def _scoped_tasks(actor: Agent, scope: str) -> QuerySet[RecoveryTask]:
    qs = RecoveryTask.objects.all()
    if scope == "all":
        return qs
    if scope == "teams":
        teams = Team.objects.filter(members=actor).values("pk")
        # NPS detractors have no conversation: their campaign's inbox decides.
        return qs.filter(
            Q(conversation__team_id__in=teams)
            | Q(conversation__isnull=True, inbox_id__in=_team_inboxes(teams))
        )
    return qs.filter(agent_id=actor.pk)


def _team_inboxes(teams: QuerySet) -> QuerySet:
    return Inbox.objects.filter(teams__in=teams).values("pk")


def feedback_report(
    *,
    actor: Agent,
    since: dt.date,
    until: dt.date,
    period: str = "week",
    dimension: str = "inbox",
    time_zone: str = "UTC",
) -> FeedbackReport:
    """CSAT, response rate, NPS and recovery of the days `since`..`until` (in `time_zone`),
    per inbox, team or agent and per day, week or month. Six queries at most: four grouped
    in the database by day and row id (ratings, surveys, NPS answers, NPS invitations), the
    recovery tasks of the range (a few per hundred ratings) summed up here, and the rows'
    names; the time zone decides which day a moment falls in on both databases.

    Admins see everything; a lead the conversations of their teams (and NPS of the inboxes
    their teams answer); an agent only what is credited to them (NPS is about the company,
    not an agent: agents do not see it).
    """
    tz = _validate(
        since=since, until=until, period=period, dimension=dimension, time_zone=time_zone
    )
    scope = _report_scope(actor)
    start = dt.datetime.combine(since, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    report = FeedbackReport(
        since=since,
        until=until,
        time_zone=time_zone,
        period=period,
        dimension=dimension,
        scope=scope,
        shows_nps=scope != "own",
    )
    trend = {
        day: ReportPeriod(start=day)
        for day in report_period_starts(since=since, until=until, period=period)
    }
    rows: dict[int | None, ReportRow] = {}

    def row(key: int | None) -> ReportRow:
        if key not in rows:
            rows[key] = ReportRow(key=key, name="—")
        return rows[key]

    def bucket(day: dt.date) -> ReportPeriod:
        return trend[period_start(day, period)]

    def local_day(field_name: str) -> LocalDate:
        return LocalDate(field_name, tz=tz, start=start, end=end)

    key_field = _RATING_DIMENSION[dimension]

    # 1. Ratings given in the range, by period, dimension and score.
    ratings = _scoped_conversation_rows(
        Rating.objects.filter(created_at__gte=start, created_at__lt=end),
        actor=actor,
        scope=scope,
        agent_field="agent_id",
    )
    for when, key, score, n in (
        ratings.order_by()
        .annotate(bucket=local_day("created_at"))
        .values_list("bucket", key_field, "score")
        .annotate(n=Count("id"))
    ):
        report.csat.add_score(score, n)
        bucket(when).csat.add_score(score, n)
        row(key).csat.add_score(score, n)

    # 2. Surveys sent in the range, and how many of them were answered.
    surveys = _scoped_conversation_rows(
        Survey.objects.filter(status=SurveyStatus.SENT, sent_at__gte=start, sent_at__lt=end),
        actor=actor,
        scope=scope,
        agent_field="agent_id",
    )
    for when, key, sent, answered in (
        surveys.order_by()
        .annotate(bucket=local_day("sent_at"))
        .values_list("bucket", key_field)
        .annotate(sent=Count("id"), answered=Count("rating"))
    ):
        for figures in (report.csat, bucket(when).csat, row(key).csat):
            figures.sent += sent
            figures.answered += answered

    # 3 and 4. NPS answers and invitations in the range, by period and sending inbox.
    if report.shows_nps:
        responses = NpsResponse.objects.filter(answered_at__gte=start, answered_at__lt=end)
        invitations = NpsInvitation.objects.filter(
            status=InvitationStatus.SENT, sent_at__gte=start, sent_at__lt=end
        )
        if scope == "teams":
            inboxes = _team_inboxes(Team.objects.filter(members=actor).values("pk"))
            responses = responses.filter(campaign__sender_inbox_id__in=inboxes)
            invitations = invitations.filter(campaign__sender_inbox_id__in=inboxes)
        by_inbox = dimension == "inbox"
        for when, key, promoters, passives, detractors in (
            responses.order_by()
            .annotate(bucket=local_day("answered_at"))
            .values_list("bucket", "campaign__sender_inbox_id")
            .annotate(**CATEGORY_COUNTS)
        ):
            targets = [report.nps, bucket(when).nps]
            if by_inbox:
                target = row(key)
                target.nps = target.nps or NpsFigures()
                targets.append(target.nps)
            for figures in targets:
                figures.promoters += promoters
                figures.passives += passives
                figures.detractors += detractors
        for when, key, invited in (
            invitations.order_by()
            .annotate(bucket=local_day("sent_at"))
            .values_list("bucket", "campaign__sender_inbox_id")
            .annotate(n=Count("id"))
        ):
            report.nps.invited += invited
            bucket(when).nps.invited += invited
            if by_inbox:
                target = row(key)
                target.nps = target.nps or NpsFigures()
                target.nps.invited += invited

    # 5. Recovery tasks opened in the range: outcomes and time to recover.
    task_key = _TASK_DIMENSION[dimension]
    tasks = _scoped_tasks(actor, scope).filter(created_at__gte=start, created_at__lt=end)
    for state, outcome, created_at, due_at, closed_at, key in (
        tasks.order_by()
        .values_list("state", "outcome", "created_at", "due_at", "closed_at", task_key)
        .iterator(chunk_size=2000)
    ):
        targets = (report.recovery, bucket(created_at.astimezone(tz).date()).recovery)
        targets += (row(key).recovery,)
        for figures in targets:
            figures.opened += 1
            if state == RecoveryState.CLOSED:
                figures.closed += 1
                figures.closed_on_time += closed_at <= due_at
                figures.by_outcome[outcome] = figures.by_outcome.get(outcome, 0) + 1
                figures.hours.append(_hours(created_at, closed_at))

    # 6. The names of the rows (grouping on ids alone is what keeps the queries above on
    # their indexes: a join for each row's name cost a third more).
    keys = [key for key in rows if key is not None]
    if keys:
        names = dict(
            _DIMENSION_MODEL[dimension].objects.filter(pk__in=keys).values_list("pk", "name")
        )
        for key in keys:
            rows[key].name = names.get(key) or "—"

    report.trend = list(trend.values())
    report.rows = sorted(rows.values(), key=lambda r: (r.key is None, r.name.casefold()))
    return report
