"""Read-side queries of the quality app, scoped by the acting agent: an agent sees their own
marks, a lead those of the agents in their teams (and their own), an admin everyone's."""

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role, Team
from carefront.conversations.models import Conversation
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.core.pagination import (
    NewestFirstPage,
    aware_datetime,
    cursor_encode,
    iso_date,
    keyset_cursor_decode,
    newest_first_page,
)

from .behaviours import Behaviour, Outcome, ReplyMark
from .models import (
    SCALE_RANGE,
    CalibrationSession,
    CoachingSession,
    QaMark,
    Review,
    ReviewScore,
    Scorecard,
    ScorecardVersion,
)

PAGE_KIND = "qa-marks"


def reply_marks_for_conversation(conversation_id: int) -> dict[int, list[ReplyMark]]:
    """The auto-QA marks of every checked agent reply in a conversation, by message id (the
    current check of each; in the order of `Behaviour`). One query.

    Contract for the review scorecards (prefill); callers scope the conversation themselves.
    """
    order = {b: i for i, b in enumerate(Behaviour.values)}
    by_message: dict[int, list[ReplyMark]] = defaultdict(list)
    rows = QaMark.objects.filter(conversation_id=conversation_id, is_current=True).values_list(
        "message_id", "behaviour", "outcome", "evidence", "hint"
    )
    for message_id, behaviour, outcome, evidence, hint in rows:
        by_message[message_id].append(ReplyMark(behaviour, outcome, evidence, hint))
    for marks in by_message.values():
        marks.sort(key=lambda m: order.get(m.behaviour, len(order)))
    return dict(by_message)


def visible_agent_ids(actor: Agent) -> set[int] | None:
    """The agents whose marks `actor` may read; None: everyone's (admins). One query for a
    lead."""
    if actor.role == Role.ADMIN:
        return None
    if actor.role == Role.LEAD:
        ids = set(
            Team.members.through.objects.filter(
                team_id__in=Team.members.through.objects.filter(agent_id=actor.pk).values("team_id")
            ).values_list("agent_id", flat=True)
        )
        return ids | {actor.pk}
    return {actor.pk}


def visible_team_ids(actor: Agent) -> set[int] | None:
    if actor.role == Role.ADMIN:
        return None
    if actor.role == Role.LEAD:
        return set(actor.teams.values_list("pk", flat=True))
    return set()


def marks_visible_to(*, actor: Agent) -> QuerySet[QaMark]:
    marks = QaMark.objects.filter(is_current=True)
    agent_ids = visible_agent_ids(actor)
    return marks if agent_ids is None else marks.filter(agent_id__in=agent_ids)


def marks_for_conversation_page(*, actor: Agent, conversation_id: int) -> dict[int, list]:
    """The marks shown under the replies of a conversation the actor has opened: their own
    replies' marks; a lead's team members'; all for admins. One query (two for a lead)."""
    order = {b: i for i, b in enumerate(Behaviour.values)}
    by_message: dict[int, list[QaMark]] = defaultdict(list)
    for mark in marks_visible_to(actor=actor).filter(conversation_id=conversation_id):
        by_message[mark.message_id].append(mark)
    for marks in by_message.values():
        marks.sort(key=lambda m: order.get(m.behaviour, len(order)))
    return dict(by_message)


@dataclass
class MarkFilters:
    conversation_id: int | None = None
    agent_id: int | None = None
    team_id: int | None = None
    behaviour: str | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def mark_page(
    *, actor: Agent, filters: MarkFilters, cursor: str | None, limit: int
) -> NewestFirstPage[QaMark]:
    """Marks newest first, filtered; an agent or team the actor may not see gives an empty
    page, not an error (no probing of who exists)."""
    marks = marks_visible_to(actor=actor)
    if filters.conversation_id is not None:
        marks = marks.filter(conversation_id=filters.conversation_id)
    if filters.agent_id is not None:
        marks = marks.filter(agent_id=filters.agent_id)
    if filters.team_id is not None:
        teams = visible_team_ids(actor)
        if teams is not None and filters.team_id not in teams:
            marks = marks.none()
        marks = marks.filter(team_id=filters.team_id)
    if filters.behaviour:
        if filters.behaviour not in Behaviour.values:
            raise InvalidInput(_("Unknown behaviour: %(b)s.") % {"b": filters.behaviour})
        marks = marks.filter(behaviour=filters.behaviour)
    if filters.outcome:
        if filters.outcome not in Outcome.values:
            raise InvalidInput(_("Unknown outcome: %(o)s.") % {"o": filters.outcome})
        marks = marks.filter(outcome=filters.outcome)
    if filters.since is not None:
        marks = marks.filter(replied_at__gte=filters.since)
    if filters.until is not None:
        marks = marks.filter(replied_at__lt=filters.until)
    return newest_first_page(
        marks.select_related("agent", "team"), cursor=cursor, limit=limit, kind=PAGE_KIND
    )


@dataclass
class TrendCell:
    passed: int = 0
    missed: int = 0

    @property
    def checked(self) -> int:
        return self.passed + self.missed

    @property
    def rate(self) -> float | None:
        return self.passed / self.checked if self.checked else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(100 * self.rate)


@dataclass
class TrendRow:
    key: int | None
    label: str
    cells: dict[str, TrendCell] = field(default_factory=dict)

    def cell(self, behaviour: str) -> TrendCell:
        return self.cells.get(behaviour) or TrendCell()

    @property
    def ordered(self) -> list[tuple[str, TrendCell]]:
        return [(b, self.cell(b)) for b in Behaviour.values]


@dataclass
class Trends:
    by_agent: list[TrendRow]
    by_team: list[TrendRow]
    weekly: list[tuple[dt.date, dict[str, TrendCell]]]


def _cells(rows, key_field: str) -> dict:
    table: dict = defaultdict(dict)
    for row in rows:
        cell = table[row[key_field]].setdefault(row["behaviour"], TrendCell())
        if row["outcome"] == Outcome.PASSED:
            cell.passed += row["n"]
        elif row["outcome"] == Outcome.MISSED:
            cell.missed += row["n"]
    return table


def quality_trends(
    *, actor: Agent, since: dt.datetime, until: dt.datetime, agent_id: int | None = None
) -> Trends:
    """Passed / missed per behaviour, per agent and per team, over [since, until); and the
    share passed per week for the whole scope. Aggregated in the database: the query count
    does not grow with the marks (five queries for a lead)."""
    marks = (
        marks_visible_to(actor=actor)
        .filter(replied_at__gte=since, replied_at__lt=until)
        .filter(outcome__in=[Outcome.PASSED, Outcome.MISSED])
    )
    if agent_id is not None:
        marks = marks.filter(agent_id=agent_id)
    per_agent = _cells(
        marks.values("agent_id", "behaviour", "outcome").annotate(n=Count("id")), "agent_id"
    )
    per_team = _cells(
        marks.values("team_id", "behaviour", "outcome").annotate(n=Count("id")), "team_id"
    )
    names = dict(Agent.objects.filter(pk__in=per_agent).values_list("pk", "name"))
    team_names = dict(
        Team.objects.filter(pk__in=[k for k in per_team if k]).values_list("pk", "name")
    )
    by_agent = sorted(
        (TrendRow(k, names.get(k, "?"), v) for k, v in per_agent.items()), key=lambda r: r.label
    )
    by_team = sorted(
        (TrendRow(k, team_names.get(k, "") if k else _("No team"), v) for k, v in per_team.items()),
        key=lambda r: (r.key is None, r.label),
    )
    weekly: dict[dt.date, dict[str, TrendCell]] = defaultdict(dict)
    per_week = (
        marks.annotate(week=TruncWeek("replied_at"))
        .values("week", "behaviour", "outcome")
        .annotate(n=Count("id"))
    )
    for row in per_week:
        week = row["week"].date() if isinstance(row["week"], dt.datetime) else row["week"]
        cell = weekly[week].setdefault(row["behaviour"], TrendCell())
        if row["outcome"] == Outcome.PASSED:
            cell.passed += row["n"]
        else:
            cell.missed += row["n"]
    return Trends(by_agent=by_agent, by_team=by_team, weekly=sorted(weekly.items()))


# Reviews, calibration and coaching (scoped by the acting agent) -------------------------------
#
# An agent sees their own reviews and coaching sessions; a lead those of the agents of the teams
# they are a member of; an admin all. Calibration reviews are for the reviewers only.


def led_agents(*, actor: Agent) -> QuerySet[Agent]:
    """The agents a lead leads: the members of the teams the lead is a member of (without the
    lead). Admins: every agent. Agents: none."""
    if actor.role == Role.ADMIN:
        return Agent.objects.exclude(pk=actor.pk)
    if actor.role != Role.LEAD:
        return Agent.objects.none()
    teams = Team.members.through.objects.filter(agent_id=actor.pk).values("team_id")
    member = Team.members.through.objects.filter(agent_id=OuterRef("pk"), team_id__in=teams)
    return Agent.objects.filter(Exists(member)).exclude(pk=actor.pk)


def may_lead(*, actor: Agent, agent_id: int) -> bool:
    if not actor.is_active:
        return False
    if actor.role == Role.ADMIN:
        return True
    return led_agents(actor=actor).filter(pk=agent_id).exists()


def _led_filter(actor: Agent, field_name: str) -> Q:
    """Rows whose `field_name` (an agent) the actor may see: their own, their teams' (leads)."""
    if actor.role == Role.ADMIN:
        return Q()
    own = Q(**{field_name: actor.pk})
    if actor.role != Role.LEAD:
        return own
    teams = Team.members.through.objects.filter(agent_id=actor.pk).values("team_id")
    member = Team.members.through.objects.filter(agent_id=OuterRef(field_name), team_id__in=teams)
    return own | Q(Exists(member))


def reviews_visible_to(*, actor: Agent) -> QuerySet[Review]:
    """Reviews (not calibration ones) of the agents the actor may see, with what a list shows."""
    return (
        Review.objects.filter(calibration__isnull=True)
        .filter(_led_filter(actor, "agent"))
        .select_related("agent", "reviewer", "conversation", "version__scorecard")
    )


def access_review(*, actor: Agent, review_id: int) -> Review:
    review = reviews_visible_to(actor=actor).filter(pk=review_id).first()
    if review is None:
        raise NotFound(_("Review not found."))
    return review


def review_detail_scores(*, review: Review) -> list[ReviewScore]:
    """The review's scores in the order of the scorecard, with their categories (one query)."""
    return list(
        review.scores.select_related("category").order_by("category__position", "category_id")
    )


@dataclass
class ReviewFilters:
    agent_id: int | None = None
    state: str | None = None
    mine: bool = False  # only the reviews of the actor's own work


@dataclass
class ReviewPage:
    items: list[Review]
    next_cursor: str | None


def _decode_review_cursor(cursor: str) -> tuple[dt.datetime, int]:
    return keyset_cursor_decode(cursor, kind="reviews", key=aware_datetime)


def review_page(
    *, actor: Agent, filters: ReviewFilters, cursor: str | None = None, limit: int = 25
) -> ReviewPage:
    """One keyset page of reviews, newest first (indexed on (agent|state, created_at, id))."""
    from carefront.conversations.selectors import after_keyset

    qs = reviews_visible_to(actor=actor)
    if filters.mine:
        qs = qs.filter(agent=actor)
    if filters.agent_id:
        qs = qs.filter(agent_id=filters.agent_id)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if cursor:
        when, last_id = _decode_review_cursor(cursor)
        qs = qs.filter(after_keyset("created_at", when, last_id, descending=True))
    rows = list(qs.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursor_encode(["reviews", rows[-1].created_at.isoformat(), rows[-1].pk])
    return ReviewPage(items=rows, next_cursor=next_cursor)


# Scorecards: everybody may read them (what good looks like is no secret) ----------------------


def scorecards_list(*, include_inactive: bool = False) -> list[Scorecard]:
    qs = Scorecard.objects.all()
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("name", "id")[:200])


def access_scorecard(*, scorecard_id: int) -> Scorecard:
    scorecard = Scorecard.objects.filter(pk=scorecard_id).first()
    if scorecard is None:
        raise NotFound(_("Scorecard not found."))
    return scorecard


def scorecard_current_version(*, scorecard: Scorecard) -> ScorecardVersion:
    """The newest version, with its categories prefetched."""
    version = (
        ScorecardVersion.objects.filter(scorecard=scorecard)
        .prefetch_related("categories")
        .order_by("-number")
        .first()
    )
    if version is None:  # pragma: no cover - a scorecard is created with a version
        raise NotFound(_("Scorecard not found."))
    return version


def current_versions(*, scorecard_ids: list[int]) -> dict[int, ScorecardVersion]:
    """The newest version of each scorecard, with categories (two queries)."""
    latest: dict[int, ScorecardVersion] = {}
    for version in (
        ScorecardVersion.objects.filter(scorecard_id__in=scorecard_ids)
        .prefetch_related("categories")
        .order_by("scorecard_id", "-number")
    ):
        latest.setdefault(version.scorecard_id, version)
    return latest


# Calibration -----------------------------------------------------------------------------------


def calibrations_visible_to(*, actor: Agent) -> QuerySet[CalibrationSession]:
    """Leads and admins: the sessions they created or review (admins: all)."""
    qs = CalibrationSession.objects.select_related(
        "conversation", "version__scorecard", "created_by"
    )
    if actor.role == Role.ADMIN:
        return qs
    if actor.role != Role.LEAD:
        return qs.none()
    reviewer = CalibrationSession.reviewers.through.objects.filter(
        calibrationsession_id=OuterRef("pk"), agent_id=actor.pk
    )
    return qs.filter(Q(created_by=actor) | Q(Exists(reviewer)))


def access_calibration(*, actor: Agent, session_id: int) -> CalibrationSession:
    session = calibrations_visible_to(actor=actor).filter(pk=session_id).first()
    if session is None:
        raise NotFound(_("Calibration session not found."))
    return session


@dataclass
class CategorySpread:
    name: str
    is_critical: bool
    scores: list[tuple[str, int | None]]  # (reviewer, value) in reviewer order
    low: int | None
    high: int | None
    spread: int | None  # high - low over those who scored it
    differs: bool


@dataclass
class CalibrationResult:
    session: CalibrationSession
    reviewers: list[Agent]
    submitted: set[int]
    may_see_scores: bool  # False until the actor (a reviewer) has submitted
    rows: list[CategorySpread] = field(default_factory=list)
    totals: list[tuple[str, object, bool]] = field(default_factory=list)


def calibration_result(*, actor: Agent, session: CalibrationSession) -> CalibrationResult:
    """Where the reviewers differ, per category. A reviewer who has not submitted yet sees who
    has, but no scores (so theirs stay their own)."""
    reviewers = list(session.reviewers.order_by("name", "id"))
    reviews = {
        r.reviewer_id: r
        for r in Review.objects.filter(calibration=session).prefetch_related("scores")
    }
    submitted = set(reviews)
    pending = actor.pk in {r.pk for r in reviewers} and actor.pk not in submitted
    result = CalibrationResult(
        session=session, reviewers=reviewers, submitted=submitted, may_see_scores=not pending
    )
    if pending:
        return result
    done = [r for r in reviewers if r.pk in submitted]
    values = {
        (reviewer_id, s.category_id): s.value
        for reviewer_id, review in reviews.items()
        for s in review.scores.all()
    }
    for category in session.version.categories.all():
        scores = [(r.name, values.get((r.pk, category.pk))) for r in done]
        given = [v for _name, v in scores if v is not None]
        low, high = (min(given), max(given)) if given else (None, None)
        result.rows.append(
            CategorySpread(
                name=category.name,
                is_critical=category.is_critical,
                scores=scores,
                low=low,
                high=high,
                spread=(high - low) if given else None,
                differs=len({v for _n, v in scores}) > 1,
            )
        )
    result.totals = [(r.name, reviews[r.pk].score, reviews[r.pk].failed) for r in done]
    return result


# Picking conversations to review -------------------------------------------------------------

MAX_SAMPLE_PER_AGENT = 20


@dataclass
class CandidateFilters:
    low_csat: bool = False
    min_messages: int | None = None
    not_reviewed: bool = True
    agent_id: int | None = None
    # A random sample of N conversations per agent in the week starting `week` (a Monday).
    sample_per_agent: int | None = None
    week: dt.date | None = None


@dataclass
class CandidatePage:
    items: list[Conversation]
    next_cursor: str | None
    week: dt.date | None = None


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _candidate_queryset(*, actor: Agent, filters: CandidateFilters) -> QuerySet[Conversation]:
    from carefront.feedback.models import Rating, Score

    agents = led_agents(actor=actor)
    qs = Conversation.objects.filter(assignee__in=agents.values("pk"))
    if filters.agent_id:
        qs = qs.filter(assignee_id=filters.agent_id)
    if filters.low_csat:
        bad = Rating.objects.filter(conversation_id=OuterRef("pk"), score=Score.NOT_GOOD)
        qs = qs.filter(Exists(bad))
    if filters.min_messages:
        qs = qs.filter(message_count__gte=filters.min_messages)
    if filters.not_reviewed:
        reviewed = Review.objects.filter(conversation_id=OuterRef("pk"), calibration__isnull=True)
        qs = qs.filter(~Exists(reviewed))
    return qs.select_related("assignee", "customer")


def review_candidates(
    *,
    actor: Agent,
    filters: CandidateFilters,
    cursor: str | None = None,
    limit: int = 25,
    today: dt.date | None = None,
) -> CandidatePage:
    """Conversations of the actor's agents worth reviewing: low CSAT, long (many messages), not
    yet reviewed; newest first, keyset-paged. With `sample_per_agent`, a random sample of that
    many per agent among the conversations of the week, the same sample every time for the same
    week (the seed is the week and the agent), so two leads pick the same ones."""
    from carefront.conversations.selectors import after_keyset

    qs = _candidate_queryset(actor=actor, filters=filters)
    if filters.sample_per_agent:
        n = max(1, min(filters.sample_per_agent, MAX_SAMPLE_PER_AGENT))
        week = week_start(filters.week or today or timezone.now().date())
        start = dt.datetime.combine(week, dt.time.min, tzinfo=dt.UTC)
        in_week = qs.filter(last_message_at__gte=start, last_message_at__lt=start + dt.timedelta(7))
        ids_by_agent: dict[int, list[int]] = {}
        for conversation_id, agent_id in in_week.order_by("id").values_list("id", "assignee_id"):
            ids_by_agent.setdefault(agent_id, []).append(conversation_id)
        chosen: list[int] = []
        for agent_id, ids in sorted(ids_by_agent.items()):
            rng = random.Random(f"{week.isoformat()}:{agent_id}")  # noqa: S311 - not security
            chosen += rng.sample(ids, min(n, len(ids)))
        items = list(
            qs.filter(pk__in=chosen).order_by("assignee__name", "assignee_id", "-last_message_at")
        )
        return CandidatePage(items=items, next_cursor=None, week=week)
    if cursor:
        when, last_id = keyset_cursor_decode(cursor, kind="candidates", key=aware_datetime)
        qs = qs.filter(after_keyset("last_message_at", when, last_id, descending=True))
    rows = list(qs.order_by("-last_message_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursor_encode(
            ["candidates", rows[-1].last_message_at.isoformat(), rows[-1].pk]
        )
    return CandidatePage(items=rows, next_cursor=next_cursor)


# Coaching ------------------------------------------------------------------------------------


def coaching_visible_to(*, actor: Agent) -> QuerySet[CoachingSession]:
    return CoachingSession.objects.filter(_led_filter(actor, "agent")).select_related(
        "agent", "lead"
    )


def access_coaching(*, actor: Agent, session_id: int) -> CoachingSession:
    session = coaching_visible_to(actor=actor).filter(pk=session_id).first()
    if session is None:
        raise NotFound(_("Coaching session not found."))
    return session


def coaching_page(
    *, actor: Agent, agent_id: int | None = None, cursor: str | None = None, limit: int = 25
) -> tuple[list[CoachingSession], str | None]:
    """Coaching sessions newest first (keyset on (held_on, id))."""
    qs = coaching_visible_to(actor=actor)
    if agent_id:
        qs = qs.filter(agent_id=agent_id)
    if cursor:
        day, last_id = keyset_cursor_decode(cursor, kind="coaching", key=iso_date)
        qs = qs.filter(Q(held_on__lt=day) | Q(held_on=day, id__lt=last_id))
    rows = list(qs.order_by("-held_on", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursor_encode(["coaching", rows[-1].held_on.isoformat(), rows[-1].pk])
    return rows, next_cursor


@dataclass
class ProgressSeries:
    scorecard_id: int
    key: str
    name: str
    points: list[tuple[dt.date, float]]  # (week, average score in percent of the scale)


def coaching_progress(
    *, agent_id: int, goals: list[tuple[int, str, str]], since: dt.date | None = None
) -> list[ProgressSeries]:
    """For each goal (scorecard id, category key, name): the agent's weekly average score in that
    category, in percent of the scale, from their reviews (not calibration). One query."""
    if not goals:
        return []
    wanted = Q()
    for scorecard_id, key, _name in goals:
        wanted |= Q(category__version__scorecard_id=scorecard_id, category__key=key)
    qs = ReviewScore.objects.filter(
        wanted,
        review__agent_id=agent_id,
        review__calibration__isnull=True,
        value__isnull=False,
    )
    if since:
        qs = qs.filter(review__created_at__date__gte=since)
    rows = (
        qs.annotate(week=TruncWeek("review__created_at"))
        .values(
            "category__version__scorecard_id", "category__key", "category__version__scale", "week"
        )
        .annotate(average=Avg("value"))
        .order_by("week")
    )
    points: dict[tuple[int, str], dict[dt.date, list[float]]] = {}
    for row in rows:
        low, high = SCALE_RANGE[row["category__version__scale"]]
        week = row["week"].date() if isinstance(row["week"], dt.datetime) else row["week"]
        percent = 100 * (float(row["average"]) - low) / (high - low)
        key = (row["category__version__scorecard_id"], row["category__key"])
        points.setdefault(key, {}).setdefault(week, []).append(percent)
    return [
        ProgressSeries(
            scorecard_id=scorecard_id,
            key=key,
            name=name,
            points=[
                (week, round(sum(v) / len(v), 1))
                for week, v in sorted(points.get((scorecard_id, key), {}).items())
            ],
        )
        for scorecard_id, key, name in goals
    ]
