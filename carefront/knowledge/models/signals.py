"""What visitors tell us about the knowledge base: votes, searches, and the content gaps the
team sees, ranked by how many customers each one affected."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .articles import Article


class VoteReason(models.TextChoices):
    NONE = "", _("No reason given")
    UNCLEAR = "unclear", _("Hard to understand")
    INCOMPLETE = "incomplete", _("Missing information")
    WRONG = "wrong", _("Incorrect or out of date")
    NOT_MY_QUESTION = "other_question", _("It answers a different question")


class ArticleVote(models.Model):
    """ "Did this help?" from one visitor on one article (voting again changes it)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    visitor_key = models.CharField(max_length=64)
    helpful = models.BooleanField()
    reason = models.CharField(max_length=20, choices=VoteReason.choices, blank=True)
    comment = models.TextField(blank=True)
    email = models.EmailField(max_length=320, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("article vote")
        verbose_name_plural = _("article votes")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "visitor_key"], name="kb_vote_one_per_visitor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"


class SearchLog(models.Model):
    """One help-centre search, and whether the visitor opened a result. `settled` once its
    outcome (nothing found / nothing opened) was counted in the content gaps."""

    query = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200)
    language = models.CharField(max_length=16, blank=True)
    result_count = models.PositiveIntegerField(default=0)
    opened_article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visitor_key = models.CharField(max_length=64)
    settled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("search")
        verbose_name_plural = _("searches")
        indexes = [
            models.Index(fields=["settled", "created_at"], name="kb_search_unsettled_idx"),
            models.Index(fields=["visitor_key", "-created_at"], name="kb_search_visitor_idx"),
        ]

    def __str__(self) -> str:
        return self.query


class GapKind(models.TextChoices):
    NO_RESULTS = "no_results", _("Search found nothing")
    NOT_OPENED = "not_opened", _("Nobody opened the results")
    NOT_HELPFUL = "not_helpful", _("Voted “did not help”")
    CONTACTED = "contacted", _("Read, then contacted the team")


class GapStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DRAFTED = "drafted", _("Draft written")
    DISMISSED = "dismissed", _("Dismissed")


class ContentGap(models.Model):
    """Something the knowledge base is missing: a search (`key` is its normalised text) or an
    article that did not answer (`article`). `customers_affected` counts distinct visitors."""

    kind = models.CharField(max_length=16, choices=GapKind.choices)
    key = models.CharField(max_length=200)
    sample_query = models.CharField(max_length=200, blank=True)
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    customers_affected = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=GapStatus.choices, default=GapStatus.OPEN)
    draft_article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("content gap")
        verbose_name_plural = _("content gaps")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="kb_gap_unique_key")]
        indexes = [
            models.Index(fields=["status", "-customers_affected", "-id"], name="kb_gap_ranked_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.key}"


class ContentGapHit(models.Model):
    """One visitor counted once in one gap."""

    gap = models.ForeignKey(ContentGap, on_delete=models.CASCADE, related_name="+")
    visitor_key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gap", "visitor_key"], name="kb_gap_hit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.gap_id}: {self.visitor_key}"
