"""Reads on ratings, scoped to the conversations the acting agent may see, and the feedback
inbox (comments and themes), for leads and admins."""

import base64
import datetime as dt
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.conversations.selectors import conversations_visible_to
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.core.generations import Generation
from carefront.core.pagination import MAX_ID

from .models import FeedbackComment, Rating, Score, Theme, ThemeRun


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
    raw = json.dumps(["feedback", comment.created_at.isoformat(), comment.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        kind, when, pk = json.loads(
            base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        )
        created_at = dt.datetime.fromisoformat(when)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The page cursor is not valid.")) from exc
    if (
        kind != "feedback"
        or not isinstance(pk, int)
        or isinstance(pk, bool)
        or not 0 <= pk <= MAX_ID
        or created_at.tzinfo is None
    ):
        raise InvalidInput(_("The page cursor is not valid."))
    return created_at, pk


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
