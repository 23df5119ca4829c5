"""Recording what visitors tell us (votes, searches, opened results, contacts after reading)
and turning it into the content-gap list the team works from."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role
from carefront.core.exceptions import InvalidInput, PermissionDenied

from ..events import ContactDeflected, ContactFormSubmitted
from ..models import (
    Article,
    ArticleVote,
    ContentGap,
    ContentGapHit,
    GapKind,
    GapStatus,
    SearchLog,
    VoteReason,
)
from ..text import query_terms

logger = logging.getLogger(__name__)

MAX_COMMENT_CHARS = 2000
# A search whose results were not opened within this long counts as "nobody opened them".
OPEN_WINDOW = dt.timedelta(minutes=30)
SETTLE_BATCH = 2000


def _visitor(visitor_key: str) -> str:
    key = (visitor_key or "").strip()[:64]
    if not key:
        raise InvalidInput(_("Missing visitor."))
    return key


def content_gap_hit(
    *, kind: str, key: str, visitor_key: str, sample_query: str = "", article_id: int | None = None
) -> ContentGap:
    """Count one visitor (once) in the gap `kind`/`key`, creating it on first sight. A gap a
    lead dismissed or drafted opens again only by new visitors' evidence (it stays as it is)."""
    key = key[:200]
    with transaction.atomic():
        gap, _created = ContentGap.objects.get_or_create(
            kind=kind,
            key=key,
            defaults={"sample_query": sample_query[:200], "article_id": article_id},
        )
        try:
            with transaction.atomic():
                ContentGapHit.objects.create(gap=gap, visitor_key=visitor_key[:64])
        except IntegrityError:
            return gap  # this visitor was counted already
        ContentGap.objects.filter(pk=gap.pk).update(
            customers_affected=F("customers_affected") + 1, last_seen_at=timezone.now()
        )
    gap.refresh_from_db()
    return gap


def _normalized(query: str) -> str:
    return " ".join(sorted(query_terms(query)))[:200]


def search_record(
    *, query: str, result_count: int, visitor_key: str, language: str = ""
) -> SearchLog | None:
    """Log a help-centre search. A search that found nothing is a content gap at once."""
    query = (query or "").replace("\x00", "").strip()[:200]
    normalized = _normalized(query)
    if not normalized:
        return None
    visitor_key = _visitor(visitor_key)
    log = SearchLog.objects.create(
        query=query,
        normalized=normalized,
        language=(language or "")[:16],
        result_count=max(0, result_count),
        visitor_key=visitor_key,
        settled=result_count == 0,
    )
    if result_count == 0:
        content_gap_hit(
            kind=GapKind.NO_RESULTS, key=normalized, visitor_key=visitor_key, sample_query=query
        )
    return log


def search_result_opened(*, search_id: int, article: Article, visitor_key: str) -> bool:
    """The visitor who searched opened `article` from the results (only their own search)."""
    return bool(
        SearchLog.objects.filter(
            pk=search_id, visitor_key=_visitor(visitor_key), opened_article__isnull=True
        ).update(opened_article=article)
    )


def search_outcomes_settle(*, now: dt.datetime | None = None) -> int:
    """Searches older than the open window whose results nobody opened become content gaps.
    Bounded per call; returns how many searches were settled."""
    now = now or timezone.now()
    rows = list(
        SearchLog.objects.filter(settled=False, created_at__lte=now - OPEN_WINDOW)
        .order_by("created_at")
        .values_list("pk", "normalized", "query", "visitor_key", "opened_article_id")[:SETTLE_BATCH]
    )
    for _pk, normalized, query, visitor_key, opened in rows:
        if opened is None:
            content_gap_hit(
                kind=GapKind.NOT_OPENED, key=normalized, visitor_key=visitor_key, sample_query=query
            )
    SearchLog.objects.filter(pk__in=[row[0] for row in rows]).update(settled=True)
    return len(rows)


def article_vote(
    *,
    article: Article,
    visitor_key: str,
    helpful: bool,
    reason: str = "",
    comment: str = "",
    email: str = "",
) -> ArticleVote:
    """ "Did this help?" One vote per visitor and article; voting again replaces it. A "no"
    is a content gap; a comment goes to the feedback inbox (source "article")."""
    visitor_key = _visitor(visitor_key)
    if reason not in VoteReason.values:
        raise InvalidInput(_("Unknown reason."))
    comment = (comment or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(_("The comment is too long (at most 2,000 characters)."))
    email = (email or "").strip()[:320]
    if email:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError as exc:
            raise InvalidInput(_("Enter a valid email address, or leave it empty.")) from exc
    with transaction.atomic():
        vote = (
            ArticleVote.objects.select_for_update()
            .filter(article=article, visitor_key=visitor_key)
            .first()
        )
        previous = None if vote is None else vote.helpful
        if vote is None:
            vote = ArticleVote(article=article, visitor_key=visitor_key, helpful=helpful)
        vote.helpful, vote.reason = helpful, "" if helpful else reason
        vote.comment = comment or vote.comment
        vote.email = email or vote.email
        vote.save()
        counts = {}
        if previous is not None and previous != helpful:
            old = "helpful_count" if previous else "not_helpful_count"
            counts[old] = F(old) - 1
        if previous != helpful:
            new = "helpful_count" if helpful else "not_helpful_count"
            counts[new] = F(new) + 1
        if counts:
            Article.objects.filter(pk=article.pk).update(**counts)
        if not helpful:
            content_gap_hit(
                kind=GapKind.NOT_HELPFUL,
                key=f"article:{article.pk}",
                visitor_key=visitor_key,
                sample_query=article.title,
                article_id=article.pk,
            )
        if vote.comment:
            _comment_to_feedback_inbox(vote)
    return vote


def _comment_to_feedback_inbox(vote: ArticleVote) -> None:
    from carefront.customers.models import Customer
    from carefront.customers.services import customer_get_or_create_by_email
    from carefront.feedback.models import CommentSource, Sentiment
    from carefront.feedback.services.comments import feedback_comment_record

    existing = None
    if vote.email:
        customer, _created = customer_get_or_create_by_email(email=vote.email)
    else:
        from carefront.feedback.models import FeedbackComment

        existing = (
            FeedbackComment.objects.filter(source=CommentSource.ARTICLE, source_id=vote.pk)
            .values_list("customer_id", flat=True)
            .first()
        )
        # An anonymous visitor: a placeholder of their own, like a sender we cannot identify.
        customer = (
            Customer.objects.get(pk=existing)
            if existing
            else Customer.objects.create(name=_("Help centre visitor"), sender_unknown=True)
        )
    text = f"{vote.article.title}: {vote.comment}"
    feedback_comment_record(
        source=CommentSource.ARTICLE,
        source_id=vote.pk,
        text=text,
        sentiment=Sentiment.POSITIVE if vote.helpful else Sentiment.NEGATIVE,
        customer_id=customer.pk,
        created_at=vote.created_at,
    )


def article_view_record(*, article: Article) -> None:
    """One more view (the popularity of the help centre home)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def on_contact_form_submitted(event: ContactFormSubmitted) -> None:
    """Read, then contacted the team anyway: each article read is a gap of that kind."""
    visitor = f"conversation:{event.conversation_id}"
    titles = dict(
        Article.objects.filter(pk__in=event.viewed_article_ids).values_list("pk", "title")
    )
    for article_id in event.viewed_article_ids:
        if article_id not in titles:
            continue
        content_gap_hit(
            kind=GapKind.CONTACTED,
            key=f"article:{article_id}",
            visitor_key=visitor,
            sample_query=(event.query or titles[article_id])[:200],
            article_id=article_id,
        )


def on_contact_deflected(event: ContactDeflected) -> None:
    """A suggested article answered the customer: it counts as helpful for that article."""
    Article.objects.filter(pk=event.article_id).update(helpful_count=F("helpful_count") + 1)


def content_gap_draft(*, actor: Agent, gap: ContentGap) -> Article:
    """A lead turns a gap into a draft article (titled from what customers searched or the
    article that did not help), linked from the gap."""
    from .articles import article_create

    if actor.role not in (Role.ADMIN, Role.LEAD):
        raise PermissionDenied(_("Only leads and admins may do this."))
    with transaction.atomic():
        gap = ContentGap.objects.select_for_update().get(pk=gap.pk)
        if gap.draft_article_id:
            return gap.draft_article
        base = gap.article
        title = gap.sample_query or gap.key
        body = ""
        if base is not None:
            title = _("Improve: %(title)s") % {"title": base.title}
            body = base.body
        body = (
            _("<!-- From the content gap: %(kind)s, %(count)s customers. -->")
            % {"kind": gap.get_kind_display(), "count": gap.customers_affected}
            + "\n\n"
            + body
        )
        article = article_create(
            actor=actor,
            title=title[:200],
            body=body,
            language=base.language if base else "en",
            category=base.category if base else None,
            section=base.section if base else None,
        )
        gap.draft_article, gap.status = article, GapStatus.DRAFTED
        gap.save(update_fields=["draft_article", "status"])
    return article


def content_gap_dismiss(*, actor: Agent, gap: ContentGap) -> ContentGap:
    if actor.role not in (Role.ADMIN, Role.LEAD):
        raise PermissionDenied(_("Only leads and admins may do this."))
    gap.status = GapStatus.DISMISSED
    gap.save(update_fields=["status"])
    return gap
