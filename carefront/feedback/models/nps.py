"""NPS: a campaign an admin sends to a segment of customers, one invitation per customer, and
the customer's answer (0-10 and a comment)."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox

from .ratings import MAX_COMMENT_LENGTH

MAX_NPS_SCORE = 10


def new_sample_seed() -> str:
    return secrets.token_hex(8)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class NpsCampaign(models.Model):
    """An NPS survey sent once to a segment of customers.

    The segment is every customer with an email address who matches all the filters given
    (a custom attribute equal to a value, a conversation in an inbox, a last conversation
    within N days), minus those who opted out of surveys or were asked anything (CSAT or NPS)
    within the throttle window; `sample_percent` of them, chosen by a hash of the campaign's
    seed and the customer id (the same customers every time it is computed), are invited.
    """

    name = models.CharField(_("name"), max_length=200)
    # Empty: the translated default question, in each customer's language.
    question = models.CharField(_("question"), max_length=300, blank=True)
    sender_inbox = models.ForeignKey(
        Inbox, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent from")
    )
    segment_attribute = models.CharField(_("custom attribute"), max_length=64, blank=True)
    segment_value = models.CharField(_("attribute value"), max_length=1000, blank=True)
    segment_inbox = models.ForeignKey(
        Inbox,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customers of inbox"),
    )
    contacted_within_days = models.PositiveIntegerField(
        _("last contact within (days)"), null=True, blank=True
    )
    sample_percent = models.PositiveSmallIntegerField(_("sample (percent)"), default=100)
    sample_seed = models.CharField(max_length=32, default=new_sample_seed, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    # Resumable inviting: customers are walked in id order, in batches; the last id done.
    invite_cursor = models.BigIntegerField(default=0, editable=False)
    segment_done = models.BooleanField(default=False, editable=False)
    # Set while the campaign is sending, at each batch: a run that stops moving was lost.
    progressed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("NPS campaign")
        verbose_name_plural = _("NPS campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_percent__gte=1, sample_percent__lte=100),
                name="nps_campaign_sample_percent",
            )
        ]
        indexes = [models.Index(fields=["status", "progressed_at"], name="nps_campaign_status_idx")]

    def __str__(self) -> str:
        return self.name


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class NpsInvitation(models.Model):
    """One customer invited by a campaign: at most one per (campaign, customer), so a batch run
    twice never invites anyone twice. The link token works like a CSAT survey's (derived from
    `token_salt`, only its hash stored) with a key of its own: a survey's link is no NPS link."""

    campaign = models.ForeignKey(NpsCampaign, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    skip_reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    token_salt = models.CharField(max_length=32, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    message_id = models.CharField(max_length=255, blank=True)
    # Pending after a failed attempt: not before this (backoff).
    send_after = models.DateTimeField(null=True, blank=True)
    # While sending: since when (a sender that died leaves it to the flush).
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("NPS invitation")
        verbose_name_plural = _("NPS invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="nps_invitation_once_per_customer"
            )
        ]
        indexes = [
            # The sender: a campaign's invitations still to send, in order.
            models.Index(fields=["campaign", "status", "id"], name="nps_invitation_todo_idx"),
            # The throttle: when was this customer last asked?
            models.Index(fields=["customer", "sent_at"], name="nps_invitation_customer_idx"),
            models.Index(fields=["status", "sending_since"], name="nps_invitation_stale_idx"),
            # The feedback report: invitations sent in a period (its NPS response rate).
            models.Index(fields=["status", "sent_at"], name="nps_invitation_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"NPS invitation #{self.pk} ({self.status})"


class NpsCategory(models.TextChoices):
    PROMOTER = "promoter", _("Promoter")
    PASSIVE = "passive", _("Passive")
    DETRACTOR = "detractor", _("Detractor")


def week_start(moment: dt.datetime) -> dt.date:
    """The Monday (UTC) of the week `moment` falls in."""
    day = moment.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def month_start(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date().replace(day=1)


def nps_category(score: int) -> str:
    """9-10 promoters, 7-8 passives, 0-6 detractors (Reichheld's bands)."""
    if score >= 9:
        return NpsCategory.PROMOTER
    if score >= 7:
        return NpsCategory.PASSIVE
    return NpsCategory.DETRACTOR


class NpsResponse(models.Model):
    """A customer's answer to an invitation; changing it (while the link works) updates it."""

    invitation = models.OneToOneField(
        NpsInvitation, on_delete=models.CASCADE, related_name="response"
    )
    campaign = models.ForeignKey(NpsCampaign, on_delete=models.CASCADE, related_name="responses")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="nps_responses")
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True, max_length=MAX_COMMENT_LENGTH)
    # When the customer first answered (trends count answers in the week/month of this).
    answered_at = models.DateTimeField(_("answered at"))
    # Its Monday and its first of the month (UTC), set once when the answer is given, so that
    # trends group on a plain column instead of truncating every row's time at each view.
    answered_week = models.DateField()
    answered_month = models.DateField()
    updated_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("NPS response")
        verbose_name_plural = _("NPS responses")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=MAX_NPS_SCORE), name="nps_response_score_range"
            )
        ]
        indexes = [
            models.Index(
                fields=["campaign", "answered_at", "id"], name="nps_response_campaign_idx"
            ),
            models.Index(fields=["campaign", "answered_week"], name="nps_response_week_idx"),
            models.Index(fields=["campaign", "answered_month"], name="nps_response_month_idx"),
            models.Index(fields=["answered_at", "id"], name="nps_response_answered_idx"),
            models.Index(fields=["customer", "answered_at"], name="nps_response_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.score} from customer #{self.customer_id}"

    @property
    def category(self) -> str:
        return nps_category(self.score)
