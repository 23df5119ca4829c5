"""Read side of training, recognition and wellbeing, scoped by the acting agent.

Pulse results are aggregates only, per team and closed round, and only for groups of at least
`MIN_GROUP` answers; nothing here returns a single answer.
"""

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Left, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Team
from carefront.conversations.models import (
    Conversation,
    ConversationEvent,
    Direction,
    EventKind,
    Message,
    Status,
)
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.core.pagination import cursor_decode, cursor_encode
from carefront.feedback.models import Praise, Rating, Score
from carefront.feedback.selectors import may_see_team_recognition
from carefront.nlp import analyse_sentiment

from .access import access_led_team, require_lead, teams_led_by
from .models import Kudos, PulseAnswer, PulseRound, TrainingAssignment, TrainingItem

MIN_GROUP = 5


def _keyset_cursor(cursor: str, order: str, width: int) -> list:
    try:
        values = cursor_decode(cursor)
        if not (
            isinstance(values, list)
            and len(values) == width
            and values[0] == order
            and all(isinstance(v, int) and not isinstance(v, bool) for v in values[2:])
        ):
            raise ValueError(values)
        when = dt.datetime.fromisoformat(values[1])
        if when.tzinfo is None:
            raise ValueError(values)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The page cursor is not valid.")) from exc
    return [when, *values[2:]]


def _before(when: dt.datetime, last_id: int) -> Q:
    return Q(created_at__lte=when) & (Q(created_at__lt=when) | Q(id__lt=last_id))


# Training -----------------------------------------------------------------------------------


@dataclass
class TrainingPage:
    items: list
    next_cursor: str | None


def training_items_page(
    *, actor: Agent, cursor: str | None = None, limit: int = 25, now: dt.datetime | None = None
) -> TrainingPage:
    """Items published to teams the actor leads, newest first, each with how many have
    acknowledged it, how many have not, and whether it is overdue (one query)."""
    require_lead(actor)
    now = now or timezone.now()
    qs = TrainingItem.objects.filter(teams__in=teams_led_by(actor=actor)).distinct()
    if cursor:
        when, last_id = _keyset_cursor(cursor, "training", 3)
        qs = qs.filter(_before(when, last_id))
    qs = qs.annotate(
        assigned=Count("assignments", distinct=True),
        acknowledged=Count(
            "assignments",
            filter=Q(assignments__acknowledged_at__isnull=False),
            distinct=True,
        ),
    )
    rows = list(qs.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursor_encode(["training", rows[-1].created_at.isoformat(), rows[-1].pk])
    for item in rows:
        item.not_acknowledged = item.assigned - item.acknowledged
        item.is_overdue = item.due_at < now
    return TrainingPage(items=rows, next_cursor=next_cursor)


def access_training_item(*, actor: Agent, item_id: int) -> TrainingItem:
    """A lead: an item published to a team they lead. An agent: an item assigned to them."""
    if actor.sees_all_inboxes:
        qs = TrainingItem.objects.filter(teams__in=teams_led_by(actor=actor))
    else:
        qs = TrainingItem.objects.filter(assignments__agent=actor)
    item = qs.filter(pk=item_id).distinct().first()
    if item is None:
        raise NotFound(_("Training item not found."))
    return item


def training_item_status(
    *, actor: Agent, item_id: int, now: dt.datetime | None = None
) -> tuple[TrainingItem, list[TrainingAssignment]]:
    """Leads: who has acknowledged the item and who has not (those first), two queries."""
    require_lead(actor)
    item = access_training_item(actor=actor, item_id=item_id)
    now = now or timezone.now()
    assignments = list(
        TrainingAssignment.objects.filter(item=item)
        .select_related("agent")
        .order_by(F("acknowledged_at").asc(nulls_first=True), "agent__name", "id")
    )
    for assignment in assignments:
        assignment.is_overdue = assignment.acknowledged_at is None and item.due_at < now
    item.is_overdue = item.due_at < now
    return item, assignments


def training_for_agent(
    *, actor: Agent, limit: int = 50, now: dt.datetime | None = None
) -> tuple[list[TrainingAssignment], list[TrainingAssignment]]:
    """The actor's open items (soonest due first) and latest acknowledged ones (two queries)."""
    now = now or timezone.now()
    base = TrainingAssignment.objects.filter(agent=actor).select_related("item")
    open_items = list(
        base.filter(acknowledged_at__isnull=True).order_by("item__due_at", "id")[:limit]
    )
    for assignment in open_items:
        assignment.is_overdue = assignment.item.due_at < now
    done = list(base.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at")[:10])
    return open_items, done


# Recognition: customers' praise and colleagues' kudos, together ----------------------------

PRAISE, KUDOS = 1, 0  # the tie-break between the two kinds at the same instant


@dataclass
class RecognitionEntry:
    kind: str  # "praise" | "kudos"
    created_at: dt.datetime
    praise: Praise | None = None
    kudos: Kudos | None = None


@dataclass
class RecognitionPage:
    items: list[RecognitionEntry]
    next_cursor: str | None


def _after_mixed(rank: int, when: dt.datetime, last_rank: int, last_id: int) -> Q:
    """Rows of one kind after the cursor in (created_at, rank, id) descending order."""
    if rank < last_rank:
        return Q(created_at__lte=when)
    if rank > last_rank:
        return Q(created_at__lt=when)
    return _before(when, last_id)


def _merge(praise: list[Praise], kudos: list[Kudos], limit: int) -> list[RecognitionEntry]:
    entries = [RecognitionEntry("praise", p.created_at, praise=p) for p in praise] + [
        RecognitionEntry("kudos", k.created_at, kudos=k) for k in kudos
    ]
    entries.sort(
        key=lambda e: (
            e.created_at,
            PRAISE if e.praise else KUDOS,
            (e.praise or e.kudos).pk,
        ),
        reverse=True,
    )
    return entries[:limit]


def recognition_page(
    *, actor: Agent, team: Team, cursor: str | None = None, limit: int = 25
) -> RecognitionPage:
    """Praise and kudos for the team's members, newest first, one keyset page (two queries).
    The team's members, leads and admins may read it."""
    if not may_see_team_recognition(actor=actor, team=team):
        raise NotFound(_("Team not found."))
    praise_qs = Praise.objects.filter(agent__teams=team).select_related(
        "agent", "customer", "conversation"
    )
    kudos_qs = Kudos.objects.filter(receiver__teams=team).select_related(
        "giver", "receiver", "conversation"
    )
    if cursor:
        when, last_rank, last_id = _keyset_cursor(cursor, "recognition", 4)
        praise_qs = praise_qs.filter(_after_mixed(PRAISE, when, last_rank, last_id))
        kudos_qs = kudos_qs.filter(_after_mixed(KUDOS, when, last_rank, last_id))
    praise = list(praise_qs.order_by("-created_at", "-id")[: limit + 1])
    kudos = list(kudos_qs.order_by("-created_at", "-id")[: limit + 1])
    entries = _merge(praise, kudos, limit + 1)
    next_cursor = None
    if len(entries) > limit:
        entries = entries[:limit]
        last = entries[-1]
        rank = PRAISE if last.praise else KUDOS
        next_cursor = cursor_encode(
            ["recognition", last.created_at.isoformat(), rank, (last.praise or last.kudos).pk]
        )
    return RecognitionPage(items=entries, next_cursor=next_cursor)


def agent_recognition(*, agent: Agent, limit: int = 20) -> list[RecognitionEntry]:
    """The agent's latest praise and kudos together, newest first (two queries)."""
    praise = list(
        Praise.objects.filter(agent=agent)
        .select_related("customer", "conversation")
        .order_by("-created_at", "-id")[:limit]
    )
    kudos = list(
        Kudos.objects.filter(receiver=agent)
        .select_related("giver", "conversation")
        .order_by("-created_at", "-id")[:limit]
    )
    return _merge(praise, kudos, limit)


def team_week_recognition(
    *, team: Team, start: dt.datetime, end: dt.datetime, limit: int = 50
) -> list[RecognitionEntry]:
    """For the weekly email (no actor: it goes to the team itself)."""
    praise = list(
        Praise.objects.filter(agent__teams=team, created_at__gte=start, created_at__lt=end)
        .select_related("agent", "customer")
        .order_by("-created_at", "-id")[:limit]
    )
    kudos = list(
        Kudos.objects.filter(receiver__teams=team, created_at__gte=start, created_at__lt=end)
        .select_related("giver", "receiver")
        .order_by("-created_at", "-id")[:limit]
    )
    return _merge(praise, kudos, limit)


def kudos_page(
    *,
    actor: Agent,
    receiver_id: int | None = None,
    team_id: int | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> tuple[list[Kudos], str | None]:
    """Kudos an agent may read: their own (given or received), their teams' and, for leads
    and admins, everyone's. Newest first, keyset-paginated."""
    qs = Kudos.objects.select_related("giver", "receiver", "conversation")
    if not actor.sees_all_inboxes:
        team_ids = list(actor.teams.values_list("pk", flat=True))
        qs = qs.filter(
            Q(giver=actor) | Q(receiver=actor) | Q(receiver__teams__in=team_ids)
        ).distinct()
    if receiver_id is not None:
        qs = qs.filter(receiver_id=receiver_id)
    if team_id is not None:
        qs = qs.filter(receiver__teams=team_id).distinct()
    if cursor:
        when, last_id = _keyset_cursor(cursor, "kudos", 3)
        qs = qs.filter(_before(when, last_id))
    rows = list(qs.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursor_encode(["kudos", rows[-1].created_at.isoformat(), rows[-1].pk])
    return rows, next_cursor


# Wellbeing: pulse results, CSAT alongside, workload signals ---------------------------------


@dataclass
class PulseResult:
    """One team's pulse in one closed round. Below `MIN_GROUP` answers, only that there were
    too few is known: no averages, no comments."""

    round: PulseRound
    answers: int
    shown: bool
    feeling: float | None = None
    workload: float | None = None
    support: float | None = None
    enps: int | None = None
    comments: list[str] = field(default_factory=list)
    csat: float | None = None  # share of "great" ratings of the team's members, in percent
    ratings: int = 0

    @property
    def period_start(self) -> dt.date:
        return self.round.starts_on

    @property
    def period_end(self) -> dt.date:
        return self.round.ends_on - dt.timedelta(days=1)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def pulse_results(
    *, actor: Agent, team_id: int, rounds: int = 6, now: dt.datetime | None = None
) -> tuple[Team, list[PulseResult]]:
    """The team's pulse for its latest closed rounds, with the team's CSAT in the same
    periods. Leads of the team and admins only. Three queries whatever the number of rounds."""
    team = access_led_team(actor=actor, team_id=team_id)
    today = timezone.localdate(now or timezone.now(), timezone=dt.UTC)
    closed = list(PulseRound.objects.filter(ends_on__lte=today).order_by("-starts_on")[:rounds])
    if not closed:
        return team, []
    stats = {
        row["round"]: row
        for row in PulseAnswer.objects.filter(team=team, round__in=closed)
        .values("round")
        .annotate(
            n=Count("id"),
            feeling=Avg("feeling"),
            workload=Avg("workload"),
            support=Avg("support"),
            promoters=Count("id", filter=Q(enps__gte=9)),
            detractors=Count("id", filter=Q(enps__lte=6)),
        )
        .order_by()
    }
    shown_ids = [r.pk for r in closed if stats.get(r.pk, {}).get("n", 0) >= MIN_GROUP]
    comments: dict[int, list[str]] = defaultdict(list)
    if shown_ids:
        # By random id: an order that says nothing about who wrote what, or when.
        for round_id, comment in (
            PulseAnswer.objects.filter(team=team, round_id__in=shown_ids)
            .exclude(comment="")
            .order_by("id")
            .values_list("round_id", "comment")
        ):
            comments[round_id].append(comment)
    csat = _team_csat(team=team, rounds=closed)
    results = []
    for pulse_round in closed:
        row = stats.get(pulse_round.pk, {})
        n = row.get("n", 0)
        result = PulseResult(round=pulse_round, answers=n, shown=n >= MIN_GROUP)
        if result.shown:
            result.feeling = round(row["feeling"], 1)
            result.workload = round(row["workload"], 1)
            result.support = round(row["support"], 1)
            result.enps = round(100 * (row["promoters"] - row["detractors"]) / n)
            result.comments = comments.get(pulse_round.pk, [])
        result.ratings, result.csat = csat.get(pulse_round.pk, (0, None))
        results.append(result)
    return team, results


def _team_csat(*, team: Team, rounds: list[PulseRound]) -> dict[int, tuple[int, float | None]]:
    """Per round: the number of ratings credited to the team's members in its period and the
    share rated "great" (one query)."""
    aggregates = {}
    for r in rounds:
        period = Q(created_at__gte=_day_start(r.starts_on), created_at__lt=_day_start(r.ends_on))
        aggregates[f"n_{r.pk}"] = Count("id", filter=period)
        aggregates[f"great_{r.pk}"] = Count("id", filter=period & Q(score=Score.GREAT))
    first = min(r.starts_on for r in rounds)
    last = max(r.ends_on for r in rounds)
    row = Rating.objects.filter(
        agent__in=team.members.all(),
        created_at__gte=_day_start(first),
        created_at__lt=_day_start(last),
    ).aggregate(**aggregates)
    out = {}
    for r in rounds:
        n = row[f"n_{r.pk}"] or 0
        great = row[f"great_{r.pk}"] or 0
        out[r.pk] = (n, round(100 * great / n, 1) if n else None)
    return out


def pulse_answer_count(*, actor: Agent, team_id: int, now: dt.datetime | None = None) -> int:
    """How many have answered the open round in the team (a count, nothing else)."""
    from .services.pulse import pulse_round_current

    team = access_led_team(actor=actor, team_id=team_id)
    return PulseAnswer.objects.filter(team=team, round=pulse_round_current(now=now)).count()


# Workload signals -----------------------------------------------------------------------------

WORKDAY_START = dt.time(8, 0)
WORKDAY_END = dt.time(18, 0)
LONG_CONVERSATION = 10  # messages


@dataclass
class WorkloadSignals:
    """What an agent's period looked like, to offer support: not a score."""

    agent: Agent
    conversations: int = 0
    replies: int = 0
    after_hours: int = 0
    longest_streak: int = 0  # consecutive days with replies
    difficult: int = 0

    @property
    def after_hours_share(self) -> int:
        return round(100 * self.after_hours / self.replies) if self.replies else 0

    @property
    def difficult_share(self) -> int:
        return round(100 * self.difficult / self.conversations) if self.conversations else 0


def _zone(agent: Agent) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(agent.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _is_after_hours(local: dt.datetime) -> bool:
    return local.weekday() >= 5 or not WORKDAY_START <= local.time() < WORKDAY_END


def _longest_streak(days: set[dt.date]) -> int:
    best = 0
    for day in days:
        if day - dt.timedelta(days=1) in days:
            continue
        length = 1
        while day + dt.timedelta(days=length) in days:
            length += 1
        best = max(best, length)
    return best


def workload_signals(
    *, agents: list[Agent], start: dt.datetime, end: dt.datetime
) -> list[WorkloadSignals]:
    """Signals of each agent in [start, end): conversations they replied in, replies outside
    8:00-18:00 on weekdays in their own time zone, the longest run of days with replies, and
    how many of their conversations were difficult (the customer's opening words negative,
    reopened after being solved, or long). Four queries, whatever the number of agents."""
    by_id = {agent.pk: WorkloadSignals(agent=agent) for agent in agents}
    if not by_id:
        return []
    replies = Message.objects.filter(
        author_id__in=list(by_id),
        direction=Direction.OUTGOING,
        created_at__gte=start,
        created_at__lt=end,
    ).values_list("author_id", "conversation_id", "created_at")
    conversations: dict[int, set[int]] = defaultdict(set)
    days: dict[int, set[dt.date]] = defaultdict(set)
    for author_id, conversation_id, created_at in replies:
        signals = by_id[author_id]
        local = created_at.astimezone(_zone(signals.agent))
        signals.replies += 1
        signals.after_hours += _is_after_hours(local)
        conversations[author_id].add(conversation_id)
        days[author_id].add(local.date())
    all_ids = set().union(*conversations.values()) if conversations else set()
    difficult: set[int] = set()
    if all_ids:
        difficult.update(
            Conversation.objects.filter(
                pk__in=all_ids, message_count__gte=LONG_CONVERSATION
            ).values_list("pk", flat=True)
        )
        # The customer's words, the new text of each message only (quotes folded away).
        for pk, text in (
            Message.objects.filter(conversation_id__in=all_ids, direction=Direction.INCOMING)
            .annotate(words=Left(Coalesce(NullIf("reply_text", Value("")), "body_text"), 600))
            .values_list("conversation_id", "words")
        ):
            if pk not in difficult and analyse_sentiment(text or "").is_negative:
                difficult.add(pk)
        reopened = (
            ConversationEvent.objects.filter(
                conversation_id__in=all_ids,
                kind=EventKind.STATUS_CHANGED,
                data__new=Status.OPEN,
                data__old__in=[Status.SOLVED, Status.CLOSED],
            )
            .values_list("conversation_id", flat=True)
            .distinct()
        )
        difficult.update(reopened)
    for agent_id, signals in by_id.items():
        signals.conversations = len(conversations[agent_id])
        signals.difficult = len(conversations[agent_id] & difficult)
        signals.longest_streak = _longest_streak(days[agent_id])
    return sorted(by_id.values(), key=lambda s: (s.agent.name, s.agent.pk))


def period_bounds(*, starts_on: dt.date, days: int = 14) -> tuple[dt.datetime, dt.datetime]:
    return _day_start(starts_on), _day_start(starts_on + dt.timedelta(days=days))


def team_workload_signals(
    *, actor: Agent, team_id: int, start: dt.datetime, end: dt.datetime
) -> tuple[Team, list[WorkloadSignals]]:
    """Leads of the team and admins: each active member's signals."""
    team = access_led_team(actor=actor, team_id=team_id)
    members = list(team.members.filter(is_active=True).order_by("name", "id"))
    return team, workload_signals(agents=members, start=start, end=end)


def my_workload_signals(*, actor: Agent, start: dt.datetime, end: dt.datetime) -> WorkloadSignals:
    return workload_signals(agents=[actor], start=start, end=end)[0]


def teams_for_wellbeing(*, actor: Agent) -> QuerySet[Team]:
    return teams_led_by(actor=actor)
