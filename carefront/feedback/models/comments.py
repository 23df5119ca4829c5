"""The feedback inbox: every customer comment (CSAT, NPS, later article feedback) in one table,
grouped into themes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox


class CommentSource(models.TextChoices):
    CSAT = "csat", _("CSAT rating")
    NPS = "nps", _("NPS answer")
    ARTICLE = "article", _("Article feedback")


class Sentiment(models.IntegerChoices):
    """The score, made comparable across sources: CSAT great/okay/not good, NPS promoters
    (9-10), passives (7-8) and detractors (0-6)."""

    NEGATIVE = -1, _("Negative")
    NEUTRAL = 0, _("Neutral")
    POSITIVE = 1, _("Positive")


class Theme(models.Model):
    """A group of comments about the same thing, found by the grouping or made by a lead.

    `name` is chosen from the theme's most telling words until a lead renames it
    (`is_named_by_lead`); a regroup keeps a lead's name. `comment_count` is kept by the
    services that move comments (the inbox shows it without counting 100,000 rows).
    """

    name = models.CharField(_("name"), max_length=120)
    is_named_by_lead = models.BooleanField(_("named by a lead"), default=False)
    keywords = models.JSONField(_("telling words"), default=list, blank=True)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    # The centre of the theme's comments in the vector space it was grouped in: a new
    # comment joins the nearest theme.
    space = models.CharField(max_length=32, blank=True)
    centroid = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        indexes = [models.Index(fields=["-comment_count", "id"], name="theme_size_idx")]

    def __str__(self) -> str:
        return self.name


class FeedbackComment(models.Model):
    """One customer comment from any source, with what the inbox filters on.

    One row per source row (`source`, `source_id`): recording it again updates it. Ratings
    without a comment have none.
    """

    source = models.CharField(_("source"), max_length=16, choices=CommentSource.choices)
    source_id = models.PositiveBigIntegerField()
    text = models.TextField(_("comment"))
    sentiment = models.SmallIntegerField(_("sentiment"), choices=Sentiment.choices)
    # The score as given: CSAT 1 (not good) to 3 (great), NPS 0 to 10.
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    inbox = models.ForeignKey(
        Inbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    # When the customer gave it (a backfilled rating keeps its own date).
    created_at = models.DateTimeField(_("date"))
    updated_at = models.DateTimeField(auto_now=True)
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("theme"),
    )
    # A lead put it there: a regroup leaves it where it is.
    theme_set_by_lead = models.BooleanField(default=False)
    # When the grouping last placed it; null while it waits for the next run.
    grouped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("feedback comment")
        verbose_name_plural = _("feedback comments")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], name="feedback_comment_source_uniq"
            ),
            models.CheckConstraint(
                condition=models.Q(sentiment__in=[-1, 0, 1]), name="feedback_comment_sentiment"
            ),
        ]
        indexes = [
            # The inbox, newest first, unfiltered and by each filter.
            models.Index(fields=["created_at", "id"], name="fbcomment_created_idx"),
            models.Index(fields=["theme", "created_at", "id"], name="fbcomment_theme_idx"),
            models.Index(fields=["inbox", "created_at", "id"], name="fbcomment_inbox_idx"),
            models.Index(fields=["agent", "created_at", "id"], name="fbcomment_agent_idx"),
            models.Index(fields=["sentiment", "created_at", "id"], name="fbcomment_sentiment_idx"),
            models.Index(fields=["source", "created_at", "id"], name="fbcomment_source_idx"),
            # The incremental grouping: comments waiting to be placed.
            models.Index(
                fields=["id"],
                condition=models.Q(grouped_at__isnull=True),
                name="fbcomment_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.source_id}"

    @property
    def score_text(self) -> str:
        """The score as the customer gave it: "Not good", "9 / 10"."""
        if self.score is None:
            return ""
        if self.source == CommentSource.CSAT:
            from .ratings import Score

            labels = {1: Score.NOT_GOOD.label, 2: Score.OKAY.label, 3: Score.GREAT.label}
            return str(labels.get(self.score, self.score))
        if self.source == CommentSource.NPS:
            return f"{self.score} / 10"
        return str(self.score)


class CommentVector(models.Model):
    """A comment's sentence vector (float32), computed once: a regroup does not run the model
    again over every comment. Kept apart so the inbox's rows stay small."""

    comment = models.OneToOneField(
        FeedbackComment, on_delete=models.CASCADE, primary_key=True, related_name="vector"
    )
    space = models.CharField(max_length=32)
    vector = models.BinaryField()

    class Meta:
        verbose_name = _("comment vector")
        verbose_name_plural = _("comment vectors")

    def __str__(self) -> str:
        return f"{self.space} vector of {self.comment_id}"


class ThemeRun(models.Model):
    """One full grouping of the comments: what it used and found. The latest run's space (and,
    for the lexical space, its vocabulary) places new comments until the next run."""

    class Trigger(models.TextChoices):
        COMMAND = "command", _("Command")
        LEAD = "lead", _("A lead")
        AUTOMATIC = "automatic", _("Automatic")

    space = models.CharField(max_length=32)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comments = models.PositiveIntegerField(default=0)
    themes = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    lexical_state = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("theme grouping run")
        verbose_name_plural = _("theme grouping runs")

    def __str__(self) -> str:
        return f"grouping #{self.pk} ({self.space})"
