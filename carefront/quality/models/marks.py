"""Auto-QA: the marks each checked agent reply got, and the admin's settings of the checks."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation, Message

from ..behaviours import Behaviour, Outcome


class QaMark(models.Model):
    """One behaviour checked on one agent reply, with the words that explain it.

    A re-check (new rules, tuned words) writes new rows and retires the old ones
    (`is_current=False`): trends read current marks only; the old ones say what was shown then.
    Agent, team and time are copied in so trends group and filter on this table alone.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="qa_marks")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="qa_marks"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="qa_marks",
        verbose_name=_("agent"),
    )
    # The conversation's team when the reply was checked (null: no team).
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    behaviour = models.CharField(_("behaviour"), max_length=32, choices=Behaviour.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    evidence = models.TextField(_("why"), blank=True)
    hint = models.TextField(_("hint"), blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    # Which rules made it: the code's CHECKS_VERSION and the admin settings' revision.
    version = models.CharField(_("check version"), max_length=32)
    is_current = models.BooleanField(default=True)
    replied_at = models.DateTimeField(_("replied at"))
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reply mark")
        verbose_name_plural = _("reply marks")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "behaviour"],
                condition=models.Q(is_current=True),
                name="qa_mark_one_current",
            )
        ]
        indexes = [
            # Trends: per agent / team / behaviour over a period (current marks only).
            models.Index(
                fields=["agent", "behaviour", "replied_at"],
                condition=models.Q(is_current=True),
                name="qa_mark_agent_idx",
            ),
            models.Index(
                fields=["team", "behaviour", "replied_at"],
                condition=models.Q(is_current=True),
                name="qa_mark_team_idx",
            ),
            models.Index(
                fields=["behaviour", "replied_at"],
                condition=models.Q(is_current=True),
                name="qa_mark_behaviour_idx",
            ),
            # The marks under a conversation's replies; the API's newest-first pages.
            models.Index(fields=["conversation", "message"], name="qa_mark_conversation_idx"),
            models.Index(fields=["agent", "-id"], name="qa_mark_agent_page_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.behaviour}: {self.outcome}"


class QaCheckSetting(models.Model):
    """An admin's choice for one check: on or off, and its words per language (empty: the
    built-in words). One row per behaviour that was ever changed."""

    behaviour = models.CharField(
        _("behaviour"), max_length=32, choices=Behaviour.choices, unique=True
    )
    enabled = models.BooleanField(_("on"), default=True)
    # {"en": ["thank*", ...], "de": [...]}: validated by checks.validate_words.
    words = models.JSONField(_("words"), default=dict, blank=True)
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("quality check setting")
        verbose_name_plural = _("quality check settings")
        ordering = ["behaviour"]

    def __str__(self) -> str:
        return self.behaviour
