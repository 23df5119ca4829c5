"""Reads of the feedback app, scoped by the acting agent: ratings (the conversations they may
see), NPS campaigns and their results, the feedback inbox (comments and themes; leads and
admins), recovery tasks (leads: all; agents: their own), praise."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Team
from carefront.accounts.services.permissions import require_lead_or_admin
from carefront.conversations.selectors import after_keyset, conversations_visible_to
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.core.generations import Generation
from carefront.core.pagination import (
    NewestFirstPage,
    aware_datetime,
    cursor_encode,
    keyset_cursor_decode,
    newest_first_page,
    row_count,
)

from .models import (
    FeedbackComment,
    Improvement,
    ImprovementLink,
    ImprovementNotice,
    ImprovementStatus,
    InvitationStatus,
    NoticeStatus,
    NpsCampaign,
    NpsInvitation,
    NpsResponse,
    Praise,
    Rating,
    RecoveryState,
    RecoveryTask,
    Score,
    Theme,
    ThemeRun,
)


def ratings_visible_to(*, actor: Agent) -> QuerySet[Rating]:
    """Ratings of conversations in the actor's inboxes (leads and admins: all), with what a
    list shows selected."""
    qs = Rating.objects.select_related("conversation", "customer", "agent", "survey")
    if actor.sees_all_inboxes:
        return qs
    visible = conversations_visible_to(actor=actor).filter(pk=OuterRef("conversation_id"))
    return qs.filter(Exists(visible))


def access_rating(*, actor: Agent, rating_id: int) -> Rating:
    rating = ratings_visible_to(actor=actor).filter(pk=rating_id).first()
    if rating is None:
        raise NotFound(_("Rating not found."))
    return rating


def customer_ratings(*, actor: Agent, customer_id: int, limit: int = 20) -> list[Rating]:
    """The customer's latest ratings the actor may see, newest first (one query)."""
    return list(
        ratings_visible_to(actor=actor)
        .filter(customer_id=customer_id)
        .order_by("-created_at", "-id")[:limit]
    )


def customer_rating_counts(*, actor: Agent, customer_id: int) -> dict[str, int]:
    """How many of each score the customer gave (one query), every score present."""
    counts = dict.fromkeys(Score.values, 0)
    rows = (
        ratings_visible_to(actor=actor)
        .filter(customer_id=customer_id)
        .order_by()
        .values_list("score")
        .annotate(n=Count("id"))
    )
    for score, n in rows:
        counts[score] = n
    return counts


# NPS ---------------------------------------------------------------------------------------------

TREND_PERIODS = ("week", "month")
# The overall trend looks this far back (a campaign's trend covers all of it).
TREND_SPAN = {"week": dt.timedelta(weeks=26), "month": dt.timedelta(days=731)}


def nps_score(*, promoters: int, passives: int, detractors: int) -> float | None:
    """Net Promoter Score: % promoters - % detractors, from -100 to 100, one decimal; None
    without answers (no score is not a score of 0)."""
    answers = promoters + passives + detractors
    if not answers:
        return None
    return round(100 * (promoters - detractors) / answers, 1)


@dataclass(frozen=True)
class NpsCounts:
    promoters: int
    passives: int
    detractors: int

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        return nps_score(
            promoters=self.promoters, passives=self.passives, detractors=self.detractors
        )

    # Parts of the answers in percent (0 without answers), for the bars.
    def _share(self, count: int) -> float:
        return round(100 * count / self.responses, 2) if self.responses else 0.0

    @property
    def promoter_share(self) -> float:
        return self._share(self.promoters)

    @property
    def passive_share(self) -> float:
        return self._share(self.passives)

    @property
    def detractor_share(self) -> float:
        return self._share(self.detractors)

    @property
    def detractor_offset(self) -> float:
        return round(self.promoter_share + self.passive_share, 2)


@dataclass(frozen=True)
class NpsPeriod(NpsCounts):
    start: dt.datetime

    @property
    def start_date(self) -> dt.date:
        """The period's first day (UTC), shown as a date wherever the viewer is."""
        return self.start.astimezone(dt.UTC).date()


@dataclass(frozen=True)
class NpsResults(NpsCounts):
    invited: int
    trend: list[NpsPeriod] = field(default_factory=list)
    period: str = "week"

    @property
    def response_rate(self) -> float | None:
        """Answers per invitation sent, in percent; None when none was sent."""
        if not self.invited:
            return None
        return round(100 * self.responses / self.invited, 1)


CATEGORY_COUNTS = {
    "promoters": Count("id", filter=Q(score__gte=9)),
    "passives": Count("id", filter=Q(score__gte=7, score__lte=8)),
    "detractors": Count("id", filter=Q(score__lte=6)),
}


def nps_campaign_list(*, actor: Agent) -> QuerySet[NpsCampaign]:
    """Every campaign, newest first (leads and admins), with its sent and answered counts."""
    require_lead_or_admin(actor)
    sent = (
        NpsInvitation.objects.filter(campaign=OuterRef("pk"), status=InvitationStatus.SENT)
        .order_by()
        .values("campaign")
        .annotate(n=Count("id"))
        .values("n")
    )
    answered = (
        NpsResponse.objects.filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        NpsCampaign.objects.select_related("sender_inbox", "created_by")
        .annotate(
            invited_count=Coalesce(Subquery(sent), 0),
            response_count=Coalesce(Subquery(answered), 0),
        )
        .order_by("-id")
    )


def nps_campaign_get(*, actor: Agent, campaign_id: int) -> NpsCampaign:
    require_lead_or_admin(actor)
    campaign = (
        NpsCampaign.objects.select_related("sender_inbox", "segment_inbox", "created_by")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise NotFound(_("Campaign not found."))
    return campaign


def nps_results(
    *,
    actor: Agent,
    campaign: NpsCampaign | None = None,
    period: str = "week",
    now: dt.datetime | None = None,
) -> NpsResults:
    """NPS, response rate and the trend by week or month (of the first answer), for one
    campaign or over all. Three queries, whatever the number of answers."""
    require_lead_or_admin(actor)
    if period not in TREND_PERIODS:
        raise InvalidInput(_("The period is week or month."))
    now = now or timezone.now()
    responses = NpsResponse.objects.all()
    invitations = NpsInvitation.objects.filter(status=InvitationStatus.SENT)
    if campaign is not None:
        responses = responses.filter(campaign=campaign)
        invitations = invitations.filter(campaign=campaign)
    totals = responses.order_by().aggregate(**CATEGORY_COUNTS)
    column = "answered_week" if period == "week" else "answered_month"
    trend_rows = responses
    if campaign is None:
        trend_rows = trend_rows.filter(answered_at__gte=now - TREND_SPAN[period])
    trend = [
        NpsPeriod(
            start=dt.datetime.combine(row[column], dt.time(), tzinfo=dt.UTC),
            promoters=row["promoters"],
            passives=row["passives"],
            detractors=row["detractors"],
        )
        for row in trend_rows.order_by().values(column).annotate(**CATEGORY_COUNTS).order_by(column)
    ]
    return NpsResults(
        promoters=totals["promoters"],
        passives=totals["passives"],
        detractors=totals["detractors"],
        invited=invitations.count(),
        trend=trend,
        period=period,
    )


def nps_responses(*, actor: Agent, campaign: NpsCampaign) -> QuerySet[NpsResponse]:
    """The campaign's answers, newest first, with the customer."""
    require_lead_or_admin(actor)
    return (
        NpsResponse.objects.filter(campaign=campaign)
        .select_related("customer")
        .order_by("-answered_at", "-id")
    )


@dataclass(frozen=True)
class NpsInboxResults(NpsCounts):
    inbox_id: int
    inbox_name: str
    invited: int

    @property
    def response_rate(self) -> float | None:
        if not self.invited:
            return None
        return round(100 * self.responses / self.invited, 1)


def nps_results_by_inbox(*, actor: Agent) -> list[NpsInboxResults]:
    """NPS per sending inbox (the brand or team the customer was asked about), over all
    campaigns, best first. Two queries."""
    require_lead_or_admin(actor)
    answers = {
        row["campaign__sender_inbox"]: row
        for row in NpsResponse.objects.order_by()
        .values("campaign__sender_inbox")
        .annotate(**CATEGORY_COUNTS)
    }
    rows = (
        NpsInvitation.objects.filter(status=InvitationStatus.SENT)
        .order_by()
        .values("campaign__sender_inbox", "campaign__sender_inbox__name")
        .annotate(invited=Count("id"))
    )
    results = []
    for row in rows:
        counts = answers.get(row["campaign__sender_inbox"], {})
        results.append(
            NpsInboxResults(
                inbox_id=row["campaign__sender_inbox"],
                inbox_name=row["campaign__sender_inbox__name"],
                invited=row["invited"],
                promoters=counts.get("promoters", 0),
                passives=counts.get("passives", 0),
                detractors=counts.get("detractors", 0),
            )
        )
    return sorted(results, key=lambda r: (r.nps is None, -(r.nps or 0), r.inbox_name))


def nps_invitation_counts(*, actor: Agent, campaign: NpsCampaign) -> dict[str, int]:
    """How many of the campaign's invitations are in each state (every state present): how
    far sending got, and what was skipped or failed. One query."""
    require_lead_or_admin(actor)
    counts = dict.fromkeys(InvitationStatus.values, 0)
    rows = (
        NpsInvitation.objects.filter(campaign=campaign)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    for status, n in rows:
        counts[status] = n
    return counts


# Recovery tasks and praise ------------------------------------------------------------------


@dataclass
class RecoveryFilters:
    """`owner`: "me", "anyone", "unowned" or an agent's id (as text). Open tasks come by due
    time, soonest (so overdue) first; closed ones by closing time, newest first."""

    state: str = RecoveryState.OPEN
    owner: str = "me"
    inbox_id: int | None = None
    reason: str | None = None
    overdue: bool = False
    conversation_id: int | None = None


@dataclass
class RecoveryPage:
    items: list[RecoveryTask]
    next_cursor: str | None


def recovery_tasks_visible_to(*, actor: Agent) -> QuerySet[RecoveryTask]:
    """Leads and admins see every task; an agent the tasks they own."""
    qs = RecoveryTask.objects.select_related(
        "conversation", "customer", "owner", "agent", "inbox", "closed_by"
    )
    if actor.sees_all_inboxes:
        return qs
    return qs.filter(owner=actor)


def access_recovery_task(*, actor: Agent, task_id: int) -> RecoveryTask:
    task = recovery_tasks_visible_to(actor=actor).filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("Recovery task not found."))
    return task


def _decode(cursor: str, *, order: str) -> tuple[dt.datetime, int]:
    return keyset_cursor_decode(cursor, kind=order, key=aware_datetime)


def recovery_task_page(
    *,
    actor: Agent,
    filters: RecoveryFilters,
    cursor: str | None = None,
    limit: int = 25,
    now: dt.datetime | None = None,
) -> RecoveryPage:
    """One keyset page of the tasks the actor may see, filtered. Two index-backed orders:
    open by (due_at, id), closed by (closed_at, id) descending."""
    now = now or timezone.now()
    qs = recovery_tasks_visible_to(actor=actor)
    closed = filters.state == RecoveryState.CLOSED
    qs = qs.filter(state=RecoveryState.CLOSED if closed else RecoveryState.OPEN)
    if filters.owner == "me":
        qs = qs.filter(owner=actor)
    elif filters.owner == "unowned":
        qs = qs.filter(owner__isnull=True)
    elif filters.owner.isdigit():
        qs = qs.filter(owner_id=int(filters.owner))
    if filters.inbox_id:
        qs = qs.filter(inbox_id=filters.inbox_id)
    if filters.reason:
        qs = qs.filter(reason=filters.reason)
    if filters.conversation_id:
        qs = qs.filter(conversation_id=filters.conversation_id)
    if filters.overdue and not closed:
        qs = qs.filter(due_at__lt=now)
    key, order = ("closed_at", "-closed") if closed else ("due_at", "due")
    if cursor:
        value, last_id = _decode(cursor, order=order)
        qs = qs.filter(after_keyset(key, value, last_id, descending=closed))
    ordering = [f"-{key}", "-id"] if closed else [key, "id"]
    rows = list(qs.order_by(*ordering)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = cursor_encode([order, getattr(last, key).isoformat(), last.pk])
    for task in rows:
        task.is_overdue = task.is_open and task.due_at < now
    return RecoveryPage(items=rows, next_cursor=next_cursor)


def open_recovery_conversation_ids(*, conversation_ids: list[int]) -> set[int]:
    """Which of these conversations have an open recovery task (one indexed query; none for
    an empty page). For the flag on inbox rows."""
    if not conversation_ids:
        return set()
    return set(
        RecoveryTask.objects.filter(
            conversation_id__in=conversation_ids, state=RecoveryState.OPEN
        ).values_list("conversation_id", flat=True)
    )


def agent_praise(*, agent: Agent, limit: int = 20) -> list[Praise]:
    """The agent's latest praise, newest first (one query)."""
    return list(
        Praise.objects.filter(agent=agent)
        .select_related("customer", "conversation")
        .order_by("-created_at", "-id")[:limit]
    )


def may_see_team_recognition(*, actor: Agent, team: Team) -> bool:
    return actor.sees_all_inboxes or team.members.filter(pk=actor.pk).exists()


def team_praise_page(
    *, actor: Agent, team: Team, cursor: str | None = None, limit: int = 25
) -> RecoveryPage:
    """Praise for the team's members, newest first, a keyset page (the team's members and
    leads and admins may read it)."""
    if not may_see_team_recognition(actor=actor, team=team):
        raise NotFound(_("Team not found."))
    qs = Praise.objects.filter(agent__teams=team).select_related(
        "agent", "customer", "conversation"
    )
    if cursor:
        value, last_id = _decode(cursor, order="praise")
        qs = qs.filter(after_keyset("created_at", value, last_id, descending=True))
    rows = list(qs.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursor_encode(["praise", rows[-1].created_at.isoformat(), rows[-1].pk])
    return RecoveryPage(items=rows, next_cursor=next_cursor)


# The feedback inbox (leads and admins) ------------------------------------------------------


# Moves on whenever themes change (a grouping, a lead's edit): cached theme reads start over.
THEMES_GENERATION = Generation("feedback-themes")
WEEKLY_COUNTS_SECONDS = 300


@dataclass(frozen=True)
class CommentFilters:
    sentiment: int | None = None
    source: str | None = None
    inbox_id: int | None = None
    agent_id: int | None = None
    theme_id: int | None = None
    # Comments in no theme (waiting for the next grouping, or taken out by a lead).
    unthemed: bool = False
    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive


@dataclass
class CommentPage:
    items: list[FeedbackComment]
    next_cursor: str | None


def _require_lead(actor: Agent) -> None:
    if not actor.sees_all_inboxes:
        raise PermissionDenied(_("The feedback inbox is for leads and admins."))


def feedback_comments_visible_to(*, actor: Agent) -> QuerySet[FeedbackComment]:
    """Every comment, for leads and admins (PermissionDenied for agents): feedback names
    agents and is read across inboxes."""
    _require_lead(actor)
    return FeedbackComment.objects.all()


def _filtered(qs: QuerySet[FeedbackComment], f: CommentFilters) -> QuerySet[FeedbackComment]:
    if f.sentiment is not None:
        qs = qs.filter(sentiment=f.sentiment)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.inbox_id:
        qs = qs.filter(inbox_id=f.inbox_id)
    if f.agent_id:
        qs = qs.filter(agent_id=f.agent_id)
    if f.unthemed:
        qs = qs.filter(theme__isnull=True)
    elif f.theme_id:
        qs = qs.filter(theme_id=f.theme_id)
    if f.since:
        qs = qs.filter(created_at__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__lt=f.until)
    return qs


def _encode_cursor(comment: FeedbackComment) -> str:
    return cursor_encode(["feedback", comment.created_at.isoformat(), comment.pk])


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    return keyset_cursor_decode(cursor, kind="feedback", key=aware_datetime)


def feedback_comment_page(
    *, actor: Agent, filters: CommentFilters, cursor: str | None = None, limit: int = 50
) -> CommentPage:
    """One page of comments, newest first (keyset on date and id: a page costs its rows
    wherever it starts), with customer, agent, inbox and theme in the same query."""
    qs = _filtered(feedback_comments_visible_to(actor=actor), filters)
    if cursor:
        created_at, pk = _decode_cursor(cursor)
        qs = qs.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    rows = list(
        qs.select_related("customer", "agent", "inbox", "theme")
        .only(
            "id",
            "source",
            "source_id",
            "text",
            "sentiment",
            "score",
            "created_at",
            "conversation_id",
            "theme_set_by_lead",
            "customer__id",
            "customer__name",
            "customer__email",
            "agent__id",
            "agent__name",
            "inbox__id",
            "inbox__name",
            "theme__id",
            "theme__name",
        )
        .order_by("-created_at", "-pk")[: limit + 1]
    )
    if len(rows) <= limit:
        return CommentPage(items=rows, next_cursor=None)
    rows = rows[:limit]
    return CommentPage(items=rows, next_cursor=_encode_cursor(rows[-1]))


def theme_list(*, actor: Agent) -> list[Theme]:
    """Every theme, largest first (their counts are kept on the rows: no counting)."""
    _require_lead(actor)
    return list(
        Theme.objects.only("id", "name", "comment_count", "is_named_by_lead", "keywords").order_by(
            "-comment_count", "id"
        )
    )


def access_theme(*, actor: Agent, theme_id: int) -> Theme:
    _require_lead(actor)
    theme = Theme.objects.defer("centroid").filter(pk=theme_id).first()
    if theme is None:
        raise NotFound(_("Theme not found."))
    return theme


def theme_weekly_counts(
    *, actor: Agent, weeks: int = 8, now: dt.datetime | None = None
) -> tuple[list[dt.date], dict[int | None, list[int]]]:
    """Comments per theme in each of the last `weeks` weeks (Monday to Sunday, in the current
    time zone), oldest first, in one query over those weeks only. Returns the weeks' Mondays
    and, per theme id (None: no theme), the counts.

    Cached for five minutes, and until themes change: a trend over weeks does not need the
    last minute's comments, and the count costs tens of milliseconds at 100,000 comments."""
    _require_lead(actor)
    now = timezone.localtime(now or timezone.now())
    this_monday = now.date() - dt.timedelta(days=now.weekday())
    mondays = [this_monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    key = THEMES_GENERATION.key("weekly", weeks, this_monday, timezone.get_current_timezone_name())
    counts = cache.get(key)
    if counts is None:
        counts = _weekly_counts(mondays)
        cache.set(key, counts, WEEKLY_COUNTS_SECONDS)
    return mondays, counts


def _weekly_counts(mondays: list[dt.date]) -> dict[int | None, list[int]]:
    weeks = len(mondays)
    start = timezone.make_aware(dt.datetime.combine(mondays[0], dt.time.min))
    rows = (
        FeedbackComment.objects.filter(created_at__gte=start)
        .annotate(week=TruncWeek("created_at"))
        .order_by()
        .values_list("theme_id", "week")
        .annotate(n=Count("id"))
    )
    index = {monday: i for i, monday in enumerate(mondays)}
    counts: dict[int | None, list[int]] = {}
    for theme_id, week, n in rows:
        day = week.date() if isinstance(week, dt.datetime) else week
        if day in index:
            counts.setdefault(theme_id, [0] * weeks)[index[day]] += n
    return counts


def latest_theme_run(*, actor: Agent) -> ThemeRun | None:
    _require_lead(actor)
    return ThemeRun.objects.defer("lexical_state").order_by("-pk").first()


def unthemed_count(*, actor: Agent, cap: int = 1000) -> int:
    """Comments in no theme, counted up to `cap` (cap + 1 means "more")."""
    _require_lead(actor)
    return len(FeedbackComment.objects.filter(theme__isnull=True).values_list("pk")[: cap + 1])


# Improvements ("you said, we did"): leads and admins --------------------------------------------

IMPROVEMENT_CHOICES_SHOWN = 200


def _require_improvement_reader(actor: Agent) -> None:
    if not actor.sees_all_inboxes:
        raise PermissionDenied(_("Improvements are for leads and admins."))


def improvements_visible_to(*, actor: Agent) -> QuerySet[Improvement]:
    _require_improvement_reader(actor)
    return Improvement.objects.select_related("created_by", "shipped_by")


def access_improvement(*, actor: Agent, improvement_id: int) -> Improvement:
    improvement = improvements_visible_to(actor=actor).filter(pk=improvement_id).first()
    if improvement is None:
        raise NotFound(_("Improvement not found."))
    return improvement


def improvement_page(
    *, actor: Agent, status: str | None = None, cursor: str | None = None, limit: int = 25
) -> NewestFirstPage[Improvement]:
    """Newest first, optionally one status (index on (status, id))."""
    qs = improvements_visible_to(actor=actor)
    if status:
        qs = qs.filter(status=status)
    return newest_first_page(qs, cursor=cursor, limit=limit, kind="improvements")


def improvement_choices(*, actor: Agent) -> list[Improvement]:
    """What a lead may link to, for a menu: the newest improvements, those not shipped first."""
    _require_improvement_reader(actor)
    rows = list(
        Improvement.objects.only("id", "title", "status").order_by("-id")[
            :IMPROVEMENT_CHOICES_SHOWN
        ]
    )
    rows.sort(key=lambda i: i.status == ImprovementStatus.SHIPPED)
    return rows


def improvement_link_page(
    *, actor: Agent, improvement: Improvement, cursor: str | None = None, limit: int = 50
) -> NewestFirstPage[ImprovementLink]:
    """An improvement's links, newest first, with what they point at in the same query."""
    _require_improvement_reader(actor)
    qs = ImprovementLink.objects.filter(improvement=improvement).select_related(
        "comment", "conversation", "customer", "linked_by"
    )
    return newest_first_page(qs, cursor=cursor, limit=limit, kind=f"improvement-{improvement.pk}")


def improvement_notice_page(
    *,
    actor: Agent,
    improvement: Improvement,
    cursor: str | None = None,
    limit: int = 50,
) -> NewestFirstPage[ImprovementNotice]:
    """The customers of an improvement (one notice each), newest first."""
    _require_improvement_reader(actor)
    qs = ImprovementNotice.objects.filter(improvement=improvement).select_related("customer")
    return newest_first_page(
        qs, cursor=cursor, limit=limit, kind=f"improvement-notices-{improvement.pk}"
    )


def improvement_notice_counts(*, actor: Agent, improvement: Improvement) -> dict[str, int]:
    """How many customers are waiting, to be told, told and not told (one grouped query)."""
    _require_improvement_reader(actor)
    counts = dict.fromkeys(NoticeStatus.values, 0)
    for status, n in (
        ImprovementNotice.objects.filter(improvement=improvement)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[status] = n
    return counts


def conversation_improvements(*, actor: Agent, conversation_id: int) -> list[Improvement]:
    """The improvements a conversation is linked to (leads and admins; none for agents)."""
    if not actor.sees_all_inboxes:
        return []
    return list(
        Improvement.objects.filter(
            Exists(
                ImprovementLink.objects.filter(
                    improvement=OuterRef("pk"), conversation_id=conversation_id
                )
            )
        )
        .only("id", "title", "status")
        .order_by("-id")
    )


@dataclass(frozen=True)
class ThemeTrend:
    """A theme's new comments per week, and whether it is growing: the later half of the
    weeks against the earlier half."""

    counts: list[int]
    recent: int
    before: int

    @property
    def change(self) -> int:
        return self.recent - self.before

    @property
    def growing(self) -> bool:
        return self.recent >= 3 and self.recent >= 1.5 * max(self.before, 1)


def theme_trend(weekly: list[int]) -> ThemeTrend:
    half = len(weekly) // 2
    return ThemeTrend(counts=list(weekly), recent=sum(weekly[half:]), before=sum(weekly[:half]))


def growing_first(trends: dict[int | None, ThemeTrend]) -> list[int | None]:
    """Theme ids (None: no theme), the most growing first, then the busiest recently."""
    return sorted(trends, key=lambda pk: (-trends[pk].change, -trends[pk].recent, pk or 0))


@dataclass
class ThemePage:
    items: list[Theme]
    next_cursor: str | None


def _decode_theme_cursor(cursor: str) -> tuple[int, int]:
    return keyset_cursor_decode(cursor, kind="themes", key=row_count)


def theme_page(*, actor: Agent, cursor: str | None = None, limit: int = 100) -> ThemePage:
    """Themes, largest first (keyset on the kept count and id, the `theme_size_idx` index)."""
    _require_lead(actor)
    qs = Theme.objects.only("id", "name", "comment_count", "is_named_by_lead", "keywords")
    if cursor:
        count, pk = _decode_theme_cursor(cursor)
        qs = qs.filter(Q(comment_count__lt=count) | Q(comment_count=count, pk__gt=pk))
    rows = list(qs.order_by("-comment_count", "id")[: limit + 1])
    if len(rows) <= limit:
        return ThemePage(items=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    return ThemePage(items=rows, next_cursor=cursor_encode(["themes", last.comment_count, last.pk]))
