"""Coaching: a lead and an agent meet, write down notes and goals tied to scorecard categories,
and set a follow-up date (a reminder is sent on the day)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .reviews import MAX_COMMENT_LENGTH, MAX_NAME_LENGTH, Scorecard


class CoachingSession(models.Model):
    """One coaching conversation between a lead and an agent."""

    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="coaching_given",
        verbose_name=_("lead"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coaching_received",
        verbose_name=_("agent"),
    )
    held_on = models.DateField(_("date"))
    notes = models.TextField(_("notes"), blank=True, max_length=MAX_COMMENT_LENGTH * 2)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    # When the follow-up reminder went out (once).
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")
        indexes = [
            models.Index(fields=["agent", "held_on", "id"], name="coaching_agent_idx"),
            models.Index(fields=["held_on", "id"], name="coaching_held_idx"),
            models.Index(
                fields=["follow_up_on"],
                condition=models.Q(reminded_at__isnull=True, follow_up_on__isnull=False),
                name="coaching_follow_up_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"coaching #{self.pk}"


class CoachingGoal(models.Model):
    """What the agent works on: a scorecard category (by its key, the same across versions),
    and what good looks like in words."""

    session = models.ForeignKey(CoachingSession, on_delete=models.CASCADE, related_name="goals")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="+")
    category_key = models.SlugField(_("category"), max_length=64)
    category_name = models.CharField(_("category name"), max_length=MAX_NAME_LENGTH)
    description = models.TextField(_("goal"), blank=True, max_length=MAX_COMMENT_LENGTH)

    class Meta:
        verbose_name = _("coaching goal")
        verbose_name_plural = _("coaching goals")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "scorecard", "category_key"], name="coaching_goal_unique"
            )
        ]

    def __str__(self) -> str:
        return self.category_name
