"""Recovery of bad experiences: a task opened for a bad rating (or a negative comment, or an NPS
detractor), owned by a lead, due in business time, closed with an outcome."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox

MAX_NOTE_LENGTH = 4000


class SourceKind(models.TextChoices):
    """What the customer told us through. The source row is named by kind and id, not a foreign
    key, so that NPS answers (another model) open tasks through the same service."""

    CSAT = "csat", _("Satisfaction rating")
    NPS = "nps", _("NPS answer")


class RecoveryReason(models.TextChoices):
    BAD_RATING = "bad_rating", _("Rated “not good”")
    NEGATIVE_COMMENT = "negative_comment", _("Negative comment")
    DETRACTOR = "detractor", _("NPS detractor")


class RecoveryState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class RecoveryOutcome(models.TextChoices):
    CONTACTED = "contacted", _("Contacted the customer")
    RESOLVED = "resolved", _("Resolved")
    COULD_NOT_REACH = "could_not_reach", _("Could not reach the customer")
    NO_ACTION_NEEDED = "no_action_needed", _("No action needed")


class RecoveryTask(models.Model):
    """Someone follows up on a customer's bad experience: one task per source (a rating changed
    later opens no second one), owned by a lead, due at `due_at`, closed with an outcome."""

    source_kind = models.CharField(_("source"), max_length=8, choices=SourceKind.choices)
    source_id = models.PositiveBigIntegerField(_("source id"))
    reason = models.CharField(_("reason"), max_length=24, choices=RecoveryReason.choices)
    # What the customer said, as it was when the task opened (the source may change later).
    score = models.CharField(_("score"), max_length=16, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The sentiment check's reading of the comment: [{"text", "weight"}...], for "why".
    sentiment_score = models.FloatField(_("sentiment"), null=True, blank=True)
    sentiment_drivers = models.JSONField(default=list, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="recovery_tasks")
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recovery_tasks",
    )
    inbox = models.ForeignKey(
        Inbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who the experience is credited to (the rating's agent), for reports and coaching.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent credited"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recovery_tasks",
        verbose_name=_("owner"),
    )
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=8, choices=RecoveryState.choices, default=RecoveryState.OPEN
    )
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=RecoveryOutcome.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True, max_length=MAX_NOTE_LENGTH)
    # When it was found still open past its due time (`RecoveryOverdue` published once).
    overdue_at = models.DateTimeField(_("found overdue"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("recovery task")
        verbose_name_plural = _("recovery tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id"], name="recovery_one_per_source"
            ),
            models.CheckConstraint(
                condition=Q(state="open", outcome="", closed_at__isnull=True)
                | Q(state="closed", closed_at__isnull=False) & ~Q(outcome=""),
                name="recovery_closed_has_outcome",
            ),
        ]
        indexes = [
            # A lead's own list: open ones by due time (overdue first), closed ones newest first.
            models.Index(fields=["owner", "state", "due_at", "id"], name="recovery_owner_due_idx"),
            models.Index(fields=["state", "due_at", "id"], name="recovery_due_idx"),
            models.Index(
                fields=["owner", "state", "closed_at", "id"], name="recovery_owner_closed_idx"
            ),
            models.Index(fields=["state", "closed_at", "id"], name="recovery_closed_idx"),
            # The flag on the conversation and on inbox rows.
            models.Index(fields=["conversation", "state"], name="recovery_conversation_idx"),
            models.Index(fields=["customer", "created_at"], name="recovery_customer_idx"),
            # The overdue check's flush: open tasks not yet found overdue, by due time.
            models.Index(
                fields=["due_at"],
                condition=Q(state="open", overdue_at__isnull=True),
                name="recovery_pending_due_idx",
            ),
            # The report and its CSV export: the tasks opened in a period.
            models.Index(fields=["created_at", "id"], name="recovery_created_idx"),
        ]

    def __str__(self) -> str:
        return f"recovery #{self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == RecoveryState.OPEN
