"""Training, recognition and wellbeing: the people side of quality.

Training items are published by leads to teams and acknowledged by each member; kudos are
thanks from one agent to another; the pulse is an anonymous survey of agents every two weeks.
Pulse answers carry no agent, no timestamp and a random id (see `PulseAnswer`).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from carefront.accounts.models import Team
from carefront.conversations.models import Conversation


class TrainingItem(models.Model):
    """Something a lead wants their teams to read or do by a date: a knowledge-base article
    or any link, with notes. Each member of the teams gets a `TrainingAssignment`."""

    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), max_length=1000)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    due_at = models.DateTimeField(_("due"))
    teams = models.ManyToManyField(Team, related_name="training_items", verbose_name=_("teams"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("published"), auto_now_add=True)

    class Meta:
        verbose_name = _("training item")
        verbose_name_plural = _("training items")
        indexes = [models.Index(fields=["created_at", "id"], name="training_created_idx")]

    def __str__(self) -> str:
        return self.title


class TrainingAssignment(models.Model):
    """One agent's copy of a training item: open until they acknowledge it."""

    item = models.ForeignKey(TrainingItem, on_delete=models.CASCADE, related_name="assignments")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="training_assignments",
        verbose_name=_("agent"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training assignment")
        verbose_name_plural = _("training assignments")
        constraints = [
            models.UniqueConstraint(fields=["item", "agent"], name="training_one_per_agent")
        ]
        indexes = [
            # "My open training", soonest due first; the item's who-has-not list.
            models.Index(fields=["agent", "acknowledged_at", "item"], name="training_agent_idx"),
            models.Index(fields=["item", "acknowledged_at"], name="training_item_ack_idx"),
        ]

    def __str__(self) -> str:
        return f"training {self.item_id} for {self.agent_id}"


class Kudos(models.Model):
    """Thanks from one agent to another, optionally about a conversation. Shown on the team's
    recognition page and the receiver's profile, next to customers' praise."""

    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="kudos_given",
        verbose_name=_("from"),
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="kudos_received",
        verbose_name=_("to"),
    )
    message = models.TextField(_("message"), max_length=1000)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        verbose_name = _("kudos")
        verbose_name_plural = _("kudos")
        indexes = [
            models.Index(fields=["receiver", "created_at", "id"], name="kudos_receiver_idx"),
            models.Index(fields=["created_at", "id"], name="kudos_created_idx"),
        ]

    def __str__(self) -> str:
        return f"kudos {self.giver_id} → {self.receiver_id}"


class DigestState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Nothing to send")
    FAILED = "failed", _("Failed")


class RecognitionDigest(models.Model):
    """The weekly recognition email of one team: one row per team and week (Monday), so it
    goes out at most once. Claimed, transmitted and sent like the notification digests."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("week of"))
    state = models.CharField(
        _("state"), max_length=16, choices=DigestState.choices, default=DigestState.PENDING
    )
    send_after = models.DateTimeField(_("send after"))
    attempts = models.PositiveSmallIntegerField(default=0)
    sending_by = models.CharField(max_length=128, blank=True)
    transmit_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("weekly recognition email")
        verbose_name_plural = _("weekly recognition emails")
        constraints = [
            models.UniqueConstraint(fields=["team", "week_start"], name="recognition_digest_week")
        ]
        indexes = [models.Index(fields=["state", "send_after"], name="recognition_digest_due_idx")]

    def __str__(self) -> str:
        return f"recognition email {self.team_id} {self.week_start}"


class PulseRound(models.Model):
    """A two-week round of the anonymous pulse survey, from `starts_on` (a Monday) for 14
    days. Results are shown once it has closed, so that watching the numbers change while
    it is open tells nobody who answered what."""

    starts_on = models.DateField(_("starts"), unique=True)
    ends_on = models.DateField(_("ends"))  # exclusive
    # When agents were told it is open (once per round).
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pulse round")
        verbose_name_plural = _("pulse rounds")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"pulse {self.starts_on}"


class PulseAnswered(models.Model):
    """That an agent has answered a round, so they answer once: it says nothing about what
    they answered (no link to the answer, no time)."""

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("pulse answered")
        verbose_name_plural = _("pulse answered")
        constraints = [
            models.UniqueConstraint(fields=["round", "agent"], name="pulse_answered_once")
        ]

    def __str__(self) -> str:
        return f"answered {self.round_id}"


def _scale(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class PulseAnswer(models.Model):
    """One anonymous answer: the team and round only. No agent, no timestamp, a random id;
    the team's rows of a round are rewritten in random order on every answer (services), so
    neither ids nor storage order tell the order in which people answered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="answers")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    feeling = models.PositiveSmallIntegerField(_("how I feel"), validators=_scale(1, 5))
    workload = models.PositiveSmallIntegerField(_("workload"), validators=_scale(1, 5))
    support = models.PositiveSmallIntegerField(_("support from the team"), validators=_scale(1, 5))
    enps = models.PositiveSmallIntegerField(
        _("would recommend working here"), validators=_scale(0, 10)
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("pulse answer")
        verbose_name_plural = _("pulse answers")
        indexes = [models.Index(fields=["team", "round"], name="pulse_answer_team_round_idx")]

    def __str__(self) -> str:
        return "pulse answer"
