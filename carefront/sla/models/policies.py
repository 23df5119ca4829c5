"""SLA policies (which conversations get which reply and resolution targets) and the targets
each conversation runs against, with the time they took once met or breached."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.accounts.models import Team
from carefront.conversations.models import Conversation, Tag
from carefront.inboxes.models import Inbox


class TimeBasis(models.TextChoices):
    BUSINESS = "business", _("Business hours")
    CALENDAR = "calendar", _("Calendar time (24/7)")


class Requester(models.TextChoices):
    ANY = "", _("Anyone")
    INTERNAL = "internal", _("Internal requesters (colleagues)")
    EXTERNAL = "external", _("External customers")


class EscalateWhen(models.TextChoices):
    NEVER = "", _("Never")
    AT_RISK = "at_risk", _("When at risk")
    BREACHED = "breached", _("When breached")


class SlaPolicy(models.Model):
    """Targets for the conversations that match its conditions. Policies are ordered
    (`position`); the first active one that matches applies. An empty condition matches
    anything; within one condition any listed value matches; all conditions must match."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    # Conditions.
    inboxes = models.ManyToManyField(Inbox, blank=True, related_name="+", verbose_name=_("inboxes"))
    teams = models.ManyToManyField(Team, blank=True, related_name="+", verbose_name=_("teams"))
    # `Priority` values (10, 20, ...).
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    # Inbox channels ("email", "api", ...).
    channels = models.JSONField(_("channels"), default=list, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("tags"))
    # A customer attribute that must equal a value (`plan` = `enterprise`); compared as text.
    customer_attribute = models.CharField(_("customer attribute"), max_length=64, blank=True)
    customer_attribute_value = models.CharField(_("attribute value"), max_length=200, blank=True)
    requester = models.CharField(
        _("requester"), max_length=16, choices=Requester.choices, blank=True, default=Requester.ANY
    )

    # Targets, in minutes; null: no such target.
    first_reply_minutes = models.PositiveIntegerField(
        _("first reply within"), null=True, blank=True
    )
    first_reply_basis = models.CharField(
        max_length=16, choices=TimeBasis.choices, default=TimeBasis.BUSINESS
    )
    next_reply_minutes = models.PositiveIntegerField(_("next reply within"), null=True, blank=True)
    next_reply_basis = models.CharField(
        max_length=16, choices=TimeBasis.choices, default=TimeBasis.BUSINESS
    )
    resolution_minutes = models.PositiveIntegerField(_("resolve within"), null=True, blank=True)
    resolution_basis = models.CharField(
        max_length=16, choices=TimeBasis.choices, default=TimeBasis.BUSINESS
    )

    # Escalation. "At risk" starts this long before a due time (in the target's own basis).
    at_risk_minutes = models.PositiveIntegerField(_("at risk this long before due"), default=30)
    notify_at_risk = models.BooleanField(_("notify when at risk"), default=True)
    notify_breached = models.BooleanField(_("notify when breached"), default=True)
    raise_priority = models.CharField(
        _("raise the priority"), max_length=16, choices=EscalateWhen.choices, blank=True
    )
    reassign_team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reassign to team"),
    )
    reassign_when = models.CharField(
        _("reassign"), max_length=16, choices=EscalateWhen.choices, blank=True
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class TargetKind(models.TextChoices):
    FIRST_REPLY = "first_reply", _("First reply")
    NEXT_REPLY = "next_reply", _("Next reply")
    RESOLUTION = "resolution", _("Resolution")


class TargetState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    # No longer applies (the policy changed and has no such target, the conversation was merged).
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATES = (TargetState.RUNNING, TargetState.PAUSED)


class SlaTarget(models.Model):
    """One clock of one conversation: a first reply, a next reply (one per customer message that
    waits) or the resolution. Time already spent is kept across pauses and policy changes
    (`spent_seconds`, in the target's basis); `due_at` is where the clock runs out while it
    runs. Once met, `elapsed_seconds` is the time it took; `breached_at` is set when the due
    time passed first (a target can be breached and met later)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="sla_targets"
    )
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="targets"
    )
    kind = models.CharField(max_length=16, choices=TargetKind.choices)
    basis = models.CharField(max_length=16, choices=TimeBasis.choices)
    target_seconds = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=TargetState.choices)
    # When the clock started (the customer's message), and since when it runs this time.
    started_at = models.DateTimeField()
    running_since = models.DateTimeField(null=True, blank=True)
    spent_seconds = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    # Outcome.
    met_at = models.DateTimeField(null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    # Escalation done once: set by the timer that acted, under a conditional UPDATE.
    at_risk_fired_at = models.DateTimeField(null=True, blank=True)
    breach_fired_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every recomputation; a timer carries the version it was set for and does
    # nothing when the target has moved on since.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "kind"],
                condition=Q(state__in=["running", "paused"]),
                name="sla_one_active_target_per_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="sla_target_conv_idx"),
            # Reports: targets met or breached per period.
            models.Index(fields=["kind", "met_at"], name="sla_target_met_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of #{self.conversation_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES
