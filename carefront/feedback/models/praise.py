"""Praise from customers routed to the agent it is meant for: the start of recognition."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation, Message
from carefront.customers.models import Customer

from .ratings import Rating


class PraiseSource(models.TextChoices):
    RATING = "rating", _("A “great” rating with a comment")
    MESSAGE = "message", _("A customer's message thanking them by name")


class Praise(models.Model):
    """A customer's kind words for one agent: from a "great" rating with a comment, or from a
    message that thanks the agent by name. Shown on the agent's profile and to their team."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="praise",
        verbose_name=_("agent"),
    )
    source = models.CharField(_("source"), max_length=16, choices=PraiseSource.choices)
    rating = models.ForeignKey(
        Rating, on_delete=models.CASCADE, null=True, blank=True, related_name="praise"
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("what the customer said"))
    # Why this counts as praise for this agent (the thanks sentence's words), for the reader.
    reason = models.CharField(_("why"), max_length=200, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="praise")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="praise")
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("praise")
        verbose_name_plural = _("praise")
        constraints = [
            models.UniqueConstraint(
                fields=["rating", "agent"],
                condition=Q(rating__isnull=False),
                name="praise_one_per_rating",
            ),
            models.UniqueConstraint(
                fields=["message", "agent"],
                condition=Q(message__isnull=False),
                name="praise_one_per_message_agent",
            ),
        ]
        indexes = [
            # The agent's profile and the team page, newest first (keyset on created_at, id).
            models.Index(fields=["agent", "created_at", "id"], name="praise_agent_idx"),
            models.Index(fields=["created_at", "id"], name="praise_created_idx"),
        ]

    def __str__(self) -> str:
        return f"praise for {self.agent_id} ({self.source})"
