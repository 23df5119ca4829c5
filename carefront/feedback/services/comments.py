"""Recording customer comments in the feedback inbox, from any source."""

import datetime as dt
import logging

from django.db import transaction

from ..models import CommentSource, FeedbackComment, Rating, Score, Sentiment, Theme

logger = logging.getLogger(__name__)

CSAT_SCORES = {Score.NOT_GOOD: 1, Score.OKAY: 2, Score.GREAT: 3}
CSAT_SENTIMENT = {
    Score.NOT_GOOD: Sentiment.NEGATIVE,
    Score.OKAY: Sentiment.NEUTRAL,
    Score.GREAT: Sentiment.POSITIVE,
}
MAX_TEXT_LENGTH = 5000


def nps_sentiment(score: int) -> Sentiment:
    """Promoters (9-10) positive, passives (7-8) neutral, detractors (0-6) negative."""
    if score >= 9:
        return Sentiment.POSITIVE
    if score >= 7:
        return Sentiment.NEUTRAL
    return Sentiment.NEGATIVE


def _clean(text: str) -> str:
    return (text or "").replace("\x00", "").replace("\r\n", "\n").strip()[:MAX_TEXT_LENGTH]


def recount_themes(theme_ids) -> None:
    """Set `comment_count` of these themes from their rows (one UPDATE)."""
    from django.db.models import Count, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    ids = {pk for pk in theme_ids if pk is not None}
    if not ids:
        return
    counted = (
        FeedbackComment.objects.filter(theme=OuterRef("pk"))
        .order_by()
        .values("theme")
        .annotate(n=Count("id"))
        .values("n")
    )
    Theme.objects.filter(pk__in=ids).update(comment_count=Coalesce(Subquery(counted), Value(0)))


def feedback_comment_record(
    *,
    source: str,
    source_id: int,
    text: str,
    sentiment: int,
    customer_id: int,
    created_at: dt.datetime,
    score: int | None = None,
    conversation_id: int | None = None,
    inbox_id: int | None = None,
    agent_id: int | None = None,
    group: bool = True,
) -> FeedbackComment | None:
    """The comment of one source row (a rating, an NPS answer…) in the feedback inbox: created,
    updated when anything changed, removed when the text is gone (None). Idempotent: recording
    the same values again writes nothing.

    A changed text is grouped again (its theme is dropped unless a lead placed it); the grouping
    task is enqueued after commit (unless `group` is false: a caller recording many enqueues it
    once, see `feedback_comments_backfill`).
    """
    if source not in CommentSource.values:
        raise ValueError(f"unknown feedback source {source!r}")
    if sentiment not in Sentiment.values:
        raise ValueError(f"sentiment must be -1, 0 or 1, not {sentiment!r}")
    text = _clean(text)
    with transaction.atomic():
        comment = (
            FeedbackComment.objects.select_for_update()
            .filter(source=source, source_id=source_id)
            .first()
        )
        if not text:
            if comment is not None:
                theme_id = comment.theme_id
                comment.delete()
                recount_themes([theme_id])
            return None
        values = {
            "text": text,
            "sentiment": int(sentiment),
            "score": score,
            "customer_id": customer_id,
            "conversation_id": conversation_id,
            "inbox_id": inbox_id,
            "agent_id": agent_id,
            "created_at": created_at,
        }
        if comment is None:
            comment = FeedbackComment.objects.create(source=source, source_id=source_id, **values)
        else:
            changed = [f for f, v in values.items() if getattr(comment, f) != v]
            if not changed:
                return comment
            old_theme = comment.theme_id
            if "text" in changed:
                from ..models import CommentVector

                CommentVector.objects.filter(comment=comment).delete()
                comment.grouped_at = None
                changed.append("grouped_at")
                if not comment.theme_set_by_lead:
                    comment.theme = None
                    changed.append("theme")
            for field, value in values.items():
                setattr(comment, field, value)
            comment.save(update_fields=[*changed, "updated_at"])
            recount_themes([old_theme])
        if group and comment.grouped_at is None:
            transaction.on_commit(enqueue_grouping)
    return comment


def enqueue_grouping() -> None:
    from ..tasks import feedback_themes_task

    try:
        feedback_themes_task.enqueue()
    except Exception:
        # The comment is saved and waits (grouped_at is null): the next run places it.
        logger.exception("Could not enqueue the feedback grouping")


def feedback_comment_record_rating(*, rating_id: int, group: bool = True) -> FeedbackComment | None:
    """The CSAT rating's comment in the feedback inbox (none, or removed, without a comment)."""
    rating = (
        Rating.objects.select_related("conversation")
        .only(
            "id",
            "score",
            "comment",
            "customer_id",
            "conversation_id",
            "agent_id",
            "created_at",
            "conversation__inbox_id",
        )
        .filter(pk=rating_id)
        .first()
    )
    if rating is None:
        return None
    return feedback_comment_record(
        source=CommentSource.CSAT,
        source_id=rating.pk,
        text=rating.comment,
        sentiment=CSAT_SENTIMENT[rating.score],
        score=CSAT_SCORES[rating.score],
        customer_id=rating.customer_id,
        conversation_id=rating.conversation_id,
        inbox_id=rating.conversation.inbox_id,
        agent_id=rating.agent_id,
        created_at=rating.created_at,
        group=group,
    )


def feedback_comment_record_nps(*, response_id: int, group: bool = True) -> FeedbackComment | None:
    """The NPS answer's comment in the feedback inbox (none, or removed, without a comment), under
    the inbox that sent the campaign."""
    from carefront.feedback.models import NpsResponse

    response = (
        NpsResponse.objects.select_related("campaign")
        .only("id", "score", "comment", "customer_id", "answered_at", "campaign__sender_inbox_id")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        return None
    return feedback_comment_record(
        source=CommentSource.NPS,
        source_id=response.pk,
        text=response.comment,
        sentiment=nps_sentiment(response.score),
        score=response.score,
        customer_id=response.customer_id,
        inbox_id=response.campaign.sender_inbox_id,
        created_at=response.answered_at,
        group=group,
    )


def feedback_comments_backfill(*, batch: int = 500) -> int:
    """Record the comment of every rating that has one (ratings from before the feedback
    inbox). Safe to run again: it records nothing twice. Returns how many were looked at."""
    seen = 0
    last = 0
    while True:
        ids = list(
            Rating.objects.exclude(comment="")
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            if seen:
                enqueue_grouping()
            return seen
        for rating_id in ids:
            feedback_comment_record_rating(rating_id=rating_id, group=False)
        seen += len(ids)
        last = ids[-1]
