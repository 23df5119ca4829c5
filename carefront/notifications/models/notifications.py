"""Notifications for agents (in the app, and by email in batches) and each agent's choice of
whether to get them by email."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation


class NotificationKind(models.TextChoices):
    """What a notification is about. Each kind has its text in `texts.py`; a later feature adds
    its kind here and there (a new choice is a migration that changes no table)."""

    SLA_AT_RISK = "sla_at_risk", _("SLA target at risk")
    SLA_BREACHED = "sla_breached", _("SLA target breached")
    FOLLOW_UP_DUE = "follow_up_due", _("Follow-up due")
    FOLLOW_UP_BROKEN = "follow_up_broken", _("Follow-up promise not kept")
    REVIEW_RECEIVED = "review_received", _("A conversation of yours was reviewed")
    REVIEW_DISPUTED = "review_disputed", _("A review was disputed")
    REVIEW_DISPUTE_RESOLVED = "review_dispute_resolved", _("Your dispute of a review was resolved")
    COACHING_FOLLOW_UP = "coaching_follow_up", _("Coaching follow-up due")
    RECOVERY_ASSIGNED = "recovery_assigned", _("Recovery task assigned")
    PRAISE_RECEIVED = "praise_received", _("Praise from a customer")
    TRAINING_ASSIGNED = "training_assigned", _("New training")
    TRAINING_DUE_SOON = "training_due_soon", _("Training due soon")
    KUDOS_RECEIVED = "kudos_received", _("Kudos from a colleague")
    PULSE_OPEN = "pulse_open", _("Pulse survey open")
    RULE = "rule", _("A rule asked to tell you")


class DigestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    # Nothing left to send when it was due (all read in the app, email turned off, merged).
    CANCELLED = "cancelled", _("Not needed")
    FAILED = "failed", _("Failed")


class EmailDigest(models.Model):
    """One email to one agent listing their new notifications. At most one waits (pending) per
    agent: a notification joins the waiting digest, or opens one due after
    CAREFRONT["NOTIFICATION_EMAIL_DELAY_SECONDS"]; so five escalations make one email.

    Sending is at most once (services/digests.py): once the SMTP transaction has begun, the
    digest is never sent again, whatever happens to the worker.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DigestStatus.choices, default=DigestStatus.PENDING
    )
    # When it is due; while sending, since when.
    send_after = models.DateTimeField(_("send after"))
    attempts = models.PositiveSmallIntegerField(default=0)
    # The worker that claimed it (core.workers), to recover it if that worker dies.
    sending_by = models.CharField(max_length=128, blank=True)
    # Set once the relay is spoken to: from then on a retry could send it twice, so none is made.
    transmit_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification email")
        verbose_name_plural = _("notification emails")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient"],
                condition=Q(status="pending"),
                name="digest_one_pending_per_recipient",
            )
        ]
        indexes = [
            # The flush: digests due to be sent, and those whose sender may have died.
            models.Index(fields=["status", "send_after"], name="digest_due_idx"),
        ]

    def __str__(self) -> str:
        return f"notification email #{self.pk} ({self.status})"


class Notification(models.Model):
    """Something an agent should know about, shown under the bell and emailed in a digest.

    Stored as a kind and parameters, not as text: it is written in the reader's language and
    time zone when shown. `dedupe_key` names what it is about (`sla-target:42:breached`): an
    agent is never told the same thing twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
        # The indexes below all start with the recipient.
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        # A reverse name, so that merging conversations moves notifications to the one kept
        # (conversations.services.merge) instead of deleting them with the other.
        related_name="notifications",
        verbose_name=_("conversation"),
    )
    # What the text needs (a target kind, a due time as ISO 8601, a note); JSON values only.
    params = models.JSONField(_("details"), default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200)
    # The email it is (or was) listed in; null when the recipient does not want email.
    digest = models.ForeignKey(
        EmailDigest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_once_per_recipient"
            )
        ]
        indexes = [
            # "All", newest first, keyset on (created_at, id) (the page and the API).
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notification_recipient_idx"
            ),
            # "Unread", newest first, and the bell's bounded count: only unread rows in it.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """An agent's choices about notifications. No row: the defaults (email on)."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    email_digest = models.BooleanField(_("email me my notifications"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"notification preferences of {self.agent_id}"
