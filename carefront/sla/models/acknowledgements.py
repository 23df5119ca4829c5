"""Acknowledgements: the message that tells a customer by when the team will reply, the time it
promised, how that time was estimated, and whether the team kept it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation, Message
from carefront.inboxes.models import Inbox


class EstimateSource(models.TextChoices):
    """Which estimate decided the promised time (the earliest of them wins)."""

    SLA = "sla", _("The SLA policy's first-reply target")
    HISTORY = "history", _("Recent first-reply times and the queue")
    DEFAULT = "default", _("The default (no SLA policy, too few recent replies)")


class AcknowledgementOutcome(models.TextChoices):
    PENDING = "", _("Not known yet")
    KEPT = "kept", _("Kept: an agent replied in time")
    MISSED = "missed", _("Missed: no agent reply by the promised time")
    # Resolved or merged away without a reply before the promised time: nothing was owed any
    # more, so it counts neither way.
    VOID = "void", _("Did not apply")


class Acknowledgement(models.Model):
    """The one acknowledgement of a conversation (the unique conversation makes "at most once"
    a database fact). Written when it is sent; judged when the first agent reply is written
    or when the promised time passes, whichever comes first."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="+")
    # Denormalised from the conversation: the kept rate is read per inbox.
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    promised_at = models.DateTimeField(_("promised reply by"))
    # How the promise came about, so that it can be explained (admin, docs).
    source = models.CharField(_("estimated from"), max_length=16, choices=EstimateSource.choices)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    history_due_at = models.DateTimeField(null=True, blank=True)
    backlog_factor = models.FloatField(default=1.0)
    opens_at = models.DateTimeField(
        _("team back at"), null=True, blank=True, help_text=_("Set when sent outside hours.")
    )
    language = models.CharField(max_length=16, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(_("sent"))
    outcome = models.CharField(
        _("outcome"),
        max_length=8,
        choices=AcknowledgementOutcome.choices,
        blank=True,
        default=AcknowledgementOutcome.PENDING,
    )
    first_reply_at = models.DateTimeField(_("first agent reply"), null=True, blank=True)
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        indexes = [
            # The kept rate of an inbox over the last 30 days (by promised time).
            models.Index(fields=["inbox", "promised_at"], name="sla_ack_inbox_promised_idx"),
            # Promises past due and not judged yet (the flush when a timer was lost).
            models.Index(
                fields=["promised_at"], condition=Q(outcome=""), name="sla_ack_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"acknowledgement of #{self.conversation_id} (by {self.promised_at:%Y-%m-%d %H:%M})"


class FirstReplyTime(models.Model):
    """How long a conversation waited for its first agent reply, in its inbox's business time:
    what the team actually achieves, from which acknowledgements estimate their promise.
    Written once per conversation, when the first agent reply is written."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    arrived_at = models.DateTimeField()
    replied_at = models.DateTimeField()
    business_seconds = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("first reply time")
        verbose_name_plural = _("first reply times")
        indexes = [
            # The last 7 days of an inbox, newest first (a bounded range scan).
            models.Index(fields=["inbox", "replied_at"], name="sla_first_reply_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"first reply of #{self.conversation_id} after {self.business_seconds} s"
