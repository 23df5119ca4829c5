"""Follow-up promises: an agent's word to a customer ("I'll check back on Friday"), with an owner
and a due time, kept by a reply sent in time and broken (an SLA breach) otherwise."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation, Message


class FollowUpState(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


# Still to do: not yet due, or due and not kept (overdue). A broken promise stays on its owner's
# list until an agent replies or the owner marks it done; it counts as broken all the same.
OUTSTANDING = Q(state__in=[FollowUpState.OPEN, FollowUpState.BROKEN], kept_at__isnull=True)


class FollowUp(models.Model):
    """A promise to come back to the customer by `due_at`.

    Kept when an agent's reply reaches the customer by the due time (or the owner marks it
    done in time); broken when the due time passes first, which is a breach, recorded once
    (`broken_at`). A broken promise fulfilled later gets `kept_at` but stays broken.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="follow_ups"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("owner"),
    )
    due_at = models.DateTimeField(_("due"))
    note = models.TextField(_("note"), blank=True)
    # The sentence the customer was told, in their language (may be empty: promised otherwise).
    customer_text = models.TextField(_("promise to the customer"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=FollowUpState.choices, default=FollowUpState.OPEN
    )
    kept_at = models.DateTimeField(_("kept at"), null=True, blank=True)
    # The reply that kept it (null: the owner marked it done, or not kept).
    kept_by_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    broken_at = models.DateTimeField(_("broken at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
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
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            # "My follow-ups": an owner's outstanding promises, soonest (most overdue) first.
            models.Index(
                fields=["owner", "due_at", "id"], condition=OUTSTANDING, name="followup_owner_idx"
            ),
            # A conversation's promises (its panel, the API, a reply keeping them).
            models.Index(fields=["conversation", "state"], name="followup_conversation_idx"),
            # Kept / broken counts per agent over a period.
            models.Index(fields=["due_at", "owner", "state"], name="followup_record_idx"),
        ]

    def __str__(self) -> str:
        return f"follow-up #{self.pk} on #{self.conversation_id} ({self.state})"

    @property
    def is_outstanding(self) -> bool:
        return self.state in {FollowUpState.OPEN, FollowUpState.BROKEN} and self.kept_at is None
