"""CSAT: a survey emailed after a conversation is resolved, and the rating that answers it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation
from carefront.customers.models import Customer

MAX_COMMENT_LENGTH = 2000


class Score(models.TextChoices):
    """Help Scout's three-point scale: quick to answer, and "not good" is unmistakable."""

    GREAT = "great", _("Great")
    OKAY = "okay", _("Okay")
    NOT_GOOD = "not_good", _("Not good")


class SurveyStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class Survey(models.Model):
    """One request for a rating: scheduled when a conversation is resolved, emailed when due.

    The link token is derived from `token_salt` and the secret key (so every send attempt
    carries the same links); only its hash is stored, to find the survey from a link.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="surveys")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="surveys")
    # The conversation's assignee at resolution: who the rating is credited to.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.SCHEDULED
    )
    # When it is due; while sending, since when (a worker that died leaves it to the flush).
    send_after = models.DateTimeField()
    # When the conversation was resolved: no survey goes out once this is older than the
    # rating window (a late worker, a restored backup, imported history). Null on rows older
    # than the field, which fall back to created_at.
    resolved_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    token_salt = models.CharField(max_length=32, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    message_id = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The links work (and the rating can be changed) until then.
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [
            # The flush: surveys due to be sent.
            models.Index(fields=["status", "send_after"], name="survey_due_idx"),
            models.Index(fields=["conversation", "created_at"], name="survey_conversation_idx"),
            # The throttle across CSAT and NPS: when was this customer last asked?
            models.Index(fields=["customer", "sent_at"], name="survey_customer_sent_idx"),
            # The feedback report: surveys sent in a period (its response rate), with what it
            # groups by, so that the report reads the index alone.
            models.Index(
                fields=["status", "sent_at", "agent", "conversation"], name="survey_sent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"survey #{self.pk} ({self.status})"


class Rating(models.Model):
    """A customer's answer to a survey. One per survey: changing one's mind updates it."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="rating")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="ratings")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="ratings")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent credited"),
    )
    score = models.CharField(_("score"), max_length=16, choices=Score.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=MAX_COMMENT_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        indexes = [
            # The API's list, newest or oldest first, filtered by score, agent or conversation.
            models.Index(fields=["created_at", "id"], name="rating_created_idx"),
            models.Index(fields=["score", "created_at", "id"], name="rating_score_idx"),
            # The feedback report: a period's ratings with what it groups by (the index alone
            # answers it).
            models.Index(
                fields=["created_at", "agent", "score", "conversation"], name="rating_report_idx"
            ),
            models.Index(fields=["agent", "created_at", "id"], name="rating_agent_idx"),
            models.Index(
                fields=["conversation", "created_at", "id"], name="rating_conversation_idx"
            ),
            # The customer's profile.
            models.Index(fields=["customer", "created_at", "id"], name="rating_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.score} for #{self.conversation_id}"

    @property
    def is_bad(self) -> bool:
        return self.score == Score.NOT_GOOD
