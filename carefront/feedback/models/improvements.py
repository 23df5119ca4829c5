"""Improvements and "you said, we did": a change the company makes, the comments and
conversations that asked for it, and the one notice each of those customers gets when it ships.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation, Message
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox

from .comments import FeedbackComment

MAX_TITLE_LENGTH = 200
MAX_TEXT_LENGTH = 4000


class ImprovementStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    SHIPPED = "shipped", _("Shipped")


class Improvement(models.Model):
    """A change the company makes because customers asked for it.

    `customer_message` is what the customers who asked are told when it ships ("we have
    changed …"), in the words of the lead who wrote it. `customers_linked` and
    `customers_told` are kept by the services (one per notice row): the list shows them
    without counting.
    """

    title = models.CharField(_("title"), max_length=MAX_TITLE_LENGTH)
    description = models.TextField(_("description"), blank=True, max_length=MAX_TEXT_LENGTH)
    customer_message = models.TextField(
        _("what we changed (told to customers)"), blank=True, max_length=MAX_TEXT_LENGTH
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ImprovementStatus.choices,
        default=ImprovementStatus.PLANNED,
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customers_linked = models.PositiveIntegerField(_("customers linked"), default=0)
    customers_told = models.PositiveIntegerField(_("customers told"), default=0)
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

    class Meta:
        verbose_name = _("improvement")
        verbose_name_plural = _("improvements")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="shipped", shipped_at__isnull=False) | ~Q(status="shipped"),
                name="improvement_shipped_has_date",
            )
        ]
        indexes = [
            # The list, newest first, over all and by status.
            models.Index(fields=["status", "id"], name="improvement_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shipped(self) -> bool:
        return self.status == ImprovementStatus.SHIPPED


class ImprovementLink(models.Model):
    """A comment or a conversation a lead linked to an improvement: who did, and when.

    Exactly one of `comment` and `conversation`; each at most once per improvement. The
    customer is the comment's or the conversation's, copied so a notice can be made per
    customer without a join through either.
    """

    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="links")
    comment = models.ForeignKey(
        FeedbackComment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked at"))

    class Meta:
        verbose_name = _("improvement link")
        verbose_name_plural = _("improvement links")
        constraints = [
            models.CheckConstraint(
                condition=Q(comment__isnull=False, conversation__isnull=True)
                | Q(comment__isnull=True, conversation__isnull=False),
                name="improvement_link_one_target",
            ),
            models.UniqueConstraint(
                fields=["improvement", "comment"],
                condition=Q(comment__isnull=False),
                name="improvement_link_comment_once",
            ),
            models.UniqueConstraint(
                fields=["improvement", "conversation"],
                condition=Q(conversation__isnull=False),
                name="improvement_link_conversation_once",
            ),
        ]
        indexes = [
            models.Index(fields=["improvement", "id"], name="improvement_link_list_idx"),
            models.Index(fields=["comment"], name="improvement_link_comment_idx"),
            models.Index(fields=["conversation"], name="improvement_link_conv_idx"),
        ]

    def __str__(self) -> str:
        target = f"comment #{self.comment_id}" if self.comment_id else f"#{self.conversation_id}"
        return f"{target} → improvement #{self.improvement_id}"


class NoticeStatus(models.TextChoices):
    # Linked; the improvement is not shipped yet.
    WAITING = "waiting", _("Waiting for the improvement to ship")
    # Shipped: to be told.
    PENDING = "pending", _("To be told")
    # The message is written in the customer's conversation (its delivery is the outbox's).
    SENT = "sent", _("Told")
    SKIPPED = "skipped", _("Not told")


class ImprovementNotice(models.Model):
    """One customer of an improvement, told at most once.

    Unique per (improvement, customer): however many of their comments and conversations
    are linked, a customer gets one message. What they said and when (`said_text`,
    `said_at`) is their earliest link's. Telling them writes the message (through the
    outbox), the timeline row and the `sent` state in one transaction, so a crash leaves the
    notice pending with nothing written, and a second worker finds it sent.
    """

    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.WAITING
    )
    said_text = models.TextField(blank=True)
    said_at = models.DateTimeField()
    # Where the customer wrote to us: the message goes there (or in a new conversation).
    # A reverse name, so that a conversation merge moves it to the merged conversation.
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_notices",
    )
    # Where a new conversation starts when there is none (an NPS comment: the campaign's).
    inbox = models.ForeignKey(
        Inbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    skip_reason = models.CharField(max_length=200, blank=True)
    told_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("improvement notice")
        verbose_name_plural = _("improvement notices")
        constraints = [
            models.UniqueConstraint(
                fields=["improvement", "customer"], name="improvement_notice_once_per_customer"
            )
        ]
        indexes = [
            # The sender: an improvement's notices still to tell, in order.
            models.Index(
                fields=["improvement", "status", "id"], name="improvement_notice_todo_idx"
            ),
            # The recovery: every pending notice, oldest first.
            models.Index(
                fields=["id"],
                condition=Q(status="pending"),
                name="improvement_notice_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"notice of improvement #{self.improvement_id} to #{self.customer_id}"


class ImprovementOptOut(models.Model):
    """A customer who asked not to hear about improvements any more (the link in every
    notice). Kept apart from the survey opt-out: see docs/feedback.md."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    opted_out_at = models.DateTimeField()

    class Meta:
        verbose_name = _("improvement news opt-out")
        verbose_name_plural = _("improvement news opt-outs")

    def __str__(self) -> str:
        return f"customer #{self.customer_id} opted out"
