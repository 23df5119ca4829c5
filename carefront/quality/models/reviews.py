"""Review scorecards: a lead's template (versioned: editing makes a new version, so past reviews
keep the categories they were scored on), reviews of a conversation against one, the reviewed
agent's answer or dispute, and calibration sessions where several reviewers score the same
conversation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation

from ..behaviours import Behaviour

MAX_NAME_LENGTH = 120
MAX_COMMENT_LENGTH = 4000
MAX_CATEGORIES = 30
MAX_WEIGHT = 100


class Scale(models.TextChoices):
    """How a category is scored. The lowest score of a scale is a fail."""

    ONE_TO_FOUR = "1-4", _("1 to 4")
    ONE_TO_FIVE = "1-5", _("1 to 5")
    PASS_FAIL = "pass_fail", _("Pass or fail")


SCALE_RANGE: dict[str, tuple[int, int]] = {
    Scale.ONE_TO_FOUR: (1, 4),
    Scale.ONE_TO_FIVE: (1, 5),
    Scale.PASS_FAIL: (0, 1),
}


class Scorecard(models.Model):
    """What a lead reviews conversations against. Its categories live in versions: the newest
    is the one new reviews use."""

    name = models.CharField(_("name"), max_length=MAX_NAME_LENGTH)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        indexes = [models.Index(fields=["is_active", "name", "id"], name="scorecard_name_idx")]

    def __str__(self) -> str:
        return self.name


class ScorecardVersion(models.Model):
    """One frozen set of categories of a scorecard. Never changed once reviews use it."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    scale = models.CharField(_("scale"), max_length=16, choices=Scale.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard version")
        verbose_name_plural = _("scorecard versions")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "number"], name="scorecard_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scorecard_id} v{self.number}"

    @property
    def low(self) -> int:
        return SCALE_RANGE[self.scale][0]

    @property
    def high(self) -> int:
        return SCALE_RANGE[self.scale][1]

    @property
    def values(self) -> list[int]:
        return list(range(self.low, self.high + 1))


class ScorecardCategory(models.Model):
    """One thing a review scores. `key` stays the same across versions (coaching goals and
    progress follow it); `behaviour` maps it to an auto-QA behaviour, for the prefill."""

    version = models.ForeignKey(
        ScorecardVersion, on_delete=models.CASCADE, related_name="categories"
    )
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=MAX_NAME_LENGTH)
    description = models.TextField(_("what good looks like"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    is_critical = models.BooleanField(
        _("critical"), default=False, help_text=_("A fail here fails the whole review.")
    )
    behaviour = models.CharField(
        _("auto-QA behaviour"), max_length=32, choices=Behaviour.choices, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("scorecard category")
        verbose_name_plural = _("scorecard categories")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="scorecard_category_key"),
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=MAX_WEIGHT),
                name="scorecard_category_weight",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    DISPUTED = "disputed", _("Disputed")
    DISPUTE_ACCEPTED = "dispute_accepted", _("Dispute accepted")
    DISPUTE_REJECTED = "dispute_rejected", _("Dispute rejected")


class CalibrationSession(models.Model):
    """Several reviewers score the same conversation with the same scorecard version, each
    without seeing the others' scores until they have submitted theirs."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=MAX_NAME_LENGTH, blank=True)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="calibration_sessions", verbose_name=_("reviewers")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calibration session")
        verbose_name_plural = _("calibration sessions")
        indexes = [models.Index(fields=["created_at", "id"], name="calibration_created_idx")]

    def __str__(self) -> str:
        return self.name or f"calibration #{self.pk}"


class Review(models.Model):
    """A reviewer's scores of one agent's work in one conversation. The total is weighted over
    the categories scored; a fail in a critical category fails the review. Calibration reviews
    (with a session) are for the reviewers only: the agent is not shown or told."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews_received",
        verbose_name=_("agent reviewed"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="reviews_written",
        verbose_name=_("reviewer"),
    )
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="reviews")
    calibration = models.ForeignKey(
        CalibrationSession,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
    )
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=1, null=True)
    failed = models.BooleanField(_("failed"), default=False)
    comment = models.TextField(_("comment"), blank=True, max_length=MAX_COMMENT_LENGTH)
    state = models.CharField(
        _("state"), max_length=20, choices=ReviewState.choices, default=ReviewState.SUBMITTED
    )
    agent_reply = models.TextField(_("agent's answer"), blank=True, max_length=MAX_COMMENT_LENGTH)
    agent_replied_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.TextField(_("dispute"), blank=True, max_length=MAX_COMMENT_LENGTH)
    disputed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True, max_length=MAX_COMMENT_LENGTH)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("reviewed"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            # One review of a conversation per reviewer and agent outside calibration, and one
            # per reviewer in a calibration session.
            models.UniqueConstraint(
                fields=["conversation", "agent", "reviewer"],
                condition=Q(calibration__isnull=True),
                name="review_one_per_reviewer",
            ),
            models.UniqueConstraint(
                fields=["calibration", "reviewer"],
                condition=Q(calibration__isnull=False),
                name="review_one_per_calibrator",
            ),
        ]
        indexes = [
            # Lists: an agent's own, a team's (by agent), everyone's; newest first.
            models.Index(fields=["agent", "created_at", "id"], name="review_agent_idx"),
            models.Index(fields=["created_at", "id"], name="review_created_idx"),
            models.Index(fields=["state", "created_at", "id"], name="review_state_idx"),
            # "Not yet reviewed" when picking conversations.
            models.Index(fields=["conversation", "calibration"], name="review_conversation_idx"),
        ]

    def __str__(self) -> str:
        return f"review #{self.pk}"

    @property
    def is_calibration(self) -> bool:
        return self.calibration_id is not None

    @property
    def is_disputed(self) -> bool:
        return self.state == ReviewState.DISPUTED


class ReviewScore(models.Model):
    """A review's score of one category (null: not applicable), with the reviewer's comment and,
    when auto-QA prefilled it, the evidence it came from."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    category = models.ForeignKey(ScorecardCategory, on_delete=models.PROTECT, related_name="+")
    value = models.SmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=MAX_COMMENT_LENGTH)
    prefill = models.TextField(_("auto-QA evidence"), blank=True)

    class Meta:
        verbose_name = _("category score")
        verbose_name_plural = _("category scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "category"], name="review_score_unique")
        ]
        indexes = [models.Index(fields=["category", "review"], name="review_score_category_idx")]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.value}"
