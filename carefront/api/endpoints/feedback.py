"""The feedback inbox (docs/feedback.md): every customer comment with the inbox's filters, the
themes they are grouped into with their weekly trend, and a lead's edits to them (rename,
merge, split, move comments, regroup). Leads and admins only, as the inbox: agents get 403."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router

from carefront.feedback.models import FeedbackComment, Sentiment, Theme
from carefront.feedback.selectors import (
    CommentFilters,
    access_theme,
    feedback_comment_page,
    growing_first,
    theme_list,
    theme_page,
    theme_trend,
    theme_weekly_counts,
)
from carefront.feedback.services import (
    feedback_comments_move,
    theme_merge,
    theme_rename,
    theme_split,
)
from carefront.feedback.services.themes import require_lead

from ..auth import caller
from ..schemas import ErrorOut, Id, ValidationErrorOut
from ..schemas_feedback import (
    CommentsMoveIn,
    CommentsMoveOut,
    FeedbackCommentFilterIn,
    FeedbackCommentPage,
    RegroupOut,
    ThemeFilterIn,
    ThemeMergeIn,
    ThemeOut,
    ThemePage,
    ThemeRenameIn,
    ThemeSplitOut,
)

router = Router(tags=["feedback"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
TREND_WEEKS = 8
SENTIMENT_NAMES = {
    Sentiment.NEGATIVE: "negative",
    Sentiment.NEUTRAL: "neutral",
    Sentiment.POSITIVE: "positive",
}
SENTIMENT_VALUES = {name: value for value, name in SENTIMENT_NAMES.items()}


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def comments_out(comments: list[FeedbackComment]) -> list[dict]:
    """Expects the relations selected (`feedback_comment_page`): no query."""
    return [
        {
            "id": c.pk,
            "source": c.source,
            "source_id": c.source_id,
            "text": c.text,
            "sentiment": SENTIMENT_NAMES[c.sentiment],
            "score": c.score,
            "score_label": str(c.score_text),
            "customer": {"id": c.customer.pk, "name": c.customer.name, "email": c.customer.email},
            "conversation_id": c.conversation_id,
            "inbox": _ref(c.inbox),
            "agent": _ref(c.agent),
            "theme": _ref(c.theme),
            "placed_by_lead": c.theme_set_by_lead,
            "created_at": c.created_at,
        }
        for c in comments
    ]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@router.get("/feedback/comments", response={200: FeedbackCommentPage, **ERRORS})
def list_feedback_comments(request: HttpRequest, filters: Query[FeedbackCommentFilterIn]):
    """Every customer comment (CSAT, NPS), newest first, with the feedback inbox's filters."""
    theme = filters.theme
    page = feedback_comment_page(
        actor=caller(request),
        filters=CommentFilters(
            sentiment=SENTIMENT_VALUES[filters.sentiment] if filters.sentiment else None,
            source=filters.source,
            inbox_id=filters.inbox_id,
            agent_id=filters.agent_id,
            theme_id=theme if isinstance(theme, int) else None,
            unthemed=theme == "none",
            since=_day_start(filters.since) if filters.since else None,
            until=_day_start(filters.until + dt.timedelta(days=1)) if filters.until else None,
        ),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": comments_out(page.items), "next_cursor": page.next_cursor}


def themes_out(request: HttpRequest, themes: list[Theme]) -> list[dict]:
    mondays, counts = theme_weekly_counts(actor=caller(request), weeks=TREND_WEEKS)
    out = []
    for theme in themes:
        trend = theme_trend(counts.get(theme.pk, [0] * TREND_WEEKS))
        out.append(
            {
                "id": theme.pk,
                "name": theme.name,
                "named_by_lead": theme.is_named_by_lead,
                "keywords": theme.keywords or [],
                "comment_count": theme.comment_count,
                "trend": {
                    "weeks": mondays,
                    "counts": trend.counts,
                    "recent": trend.recent,
                    "before": trend.before,
                    "growing": trend.growing,
                },
            }
        )
    return out


@router.get("/feedback/themes", response={200: ThemePage, **ERRORS})
def list_themes(request: HttpRequest, filters: Query[ThemeFilterIn]):
    """The themes with their comment counts and new comments per week over the last eight
    weeks. `sort=size` (default): largest first, in keyset pages. `sort=growth`: every theme
    in one page, the most growing first (what the inbox's "Themes over time" shows)."""
    actor = caller(request)
    if filters.sort == "growth":
        themes = theme_list(actor=actor)
        _mondays, counts = theme_weekly_counts(actor=actor, weeks=TREND_WEEKS)
        by_id = {t.pk: t for t in themes}
        order = growing_first(
            {t.pk: theme_trend(counts.get(t.pk, [0] * TREND_WEEKS)) for t in themes}
        )
        return {"items": themes_out(request, [by_id[pk] for pk in order]), "next_cursor": None}
    page = theme_page(actor=actor, cursor=filters.cursor, limit=filters.limit)
    return {"items": themes_out(request, page.items), "next_cursor": page.next_cursor}


@router.get("/feedback/themes/{theme_id}", response={200: ThemeOut, **ERRORS})
def get_theme(request: HttpRequest, theme_id: Path[Id]):
    return themes_out(request, [access_theme(actor=caller(request), theme_id=theme_id)])[0]


@router.post("/feedback/themes/{theme_id}/rename", response={200: ThemeOut, **ERRORS})
def rename_theme(request: HttpRequest, theme_id: Path[Id], payload: ThemeRenameIn):
    """A lead's name: every later regroup keeps it."""
    actor = caller(request)
    theme_rename(actor=actor, theme_id=theme_id, name=payload.name)
    return themes_out(request, [access_theme(actor=actor, theme_id=theme_id)])[0]


@router.post("/feedback/themes/{theme_id}/merge", response={200: ThemeOut, **ERRORS})
def merge_theme(request: HttpRequest, theme_id: Path[Id], payload: ThemeMergeIn):
    """Every comment of this theme moves to `into_id`; this theme is deleted. Returns the
    theme merged into. The comments count as placed by the lead (a regroup keeps them)."""
    actor = caller(request)
    into = theme_merge(actor=actor, theme_id=theme_id, into_id=payload.into_id)
    return themes_out(request, [access_theme(actor=actor, theme_id=into.pk)])[0]


@router.post("/feedback/themes/{theme_id}/split", response={200: ThemeSplitOut, **ERRORS})
def split_theme(request: HttpRequest, theme_id: Path[Id]):
    """Cut the theme in two by its comments' meaning (2-means); the smaller half becomes a new
    theme. 400 when it has fewer than two comments or they are too much alike."""
    actor = caller(request)
    kept, new = theme_split(actor=actor, theme_id=theme_id)
    kept_out, new_out = themes_out(
        request,
        [access_theme(actor=actor, theme_id=kept.pk), access_theme(actor=actor, theme_id=new.pk)],
    )
    return {"kept": kept_out, "new": new_out}


@router.post("/feedback/comments/move", response={200: CommentsMoveOut, **ERRORS})
def move_comments(request: HttpRequest, payload: CommentsMoveIn):
    """Move comments into a theme (`theme_id`), into a new theme (`new_theme_name`), or, with
    neither, out of any theme. A regroup leaves them where the lead put them. 404 when a
    comment or the theme does not exist (nothing is moved)."""
    theme = feedback_comments_move(
        actor=caller(request),
        comment_ids=payload.comment_ids,
        theme_id=payload.theme_id,
        new_theme_name=payload.new_theme_name,
    )
    return {"moved": len(set(payload.comment_ids)), "theme": _ref(theme)}


@router.post("/feedback/regroup", response={202: RegroupOut, **ERRORS})
def regroup_themes(request: HttpRequest):
    """Group every comment afresh, in the background (as the inbox's "Regroup now"); a
    lead's names and placements are kept."""
    from carefront.feedback.tasks import feedback_regroup_task

    actor = caller(request)
    require_lead(actor)
    feedback_regroup_task.enqueue(actor_id=actor.pk)
    return 202, {"queued": True}
