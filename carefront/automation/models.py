"""Saved replies (canned responses) with placeholders."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedReply(models.Model):
    """A reusable answer. `{{ customer.first_name }}` style placeholders are filled when used."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    # A language tag (de, pt-BR); empty means the site's language (LANGUAGE_CODE). The composer
    # offers the replies in the customer's language first and never preselects another one.
    language = models.CharField(_("language"), max_length=16, blank=True)
    # A macro: actions applied with the reply, in order, in the same transaction:
    # [{"type": "set_status" | "add_tags" | ..., "params": {...}}] (services.MACRO_ACTIONS).
    actions = models.JSONField(_("also do"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        ordering = ["title"]
        indexes = [models.Index(fields=["title", "id"], name="saved_reply_title_idx")]

    def __str__(self) -> str:
        return self.title


# ---------------------------------------------------------------------------------------------
# Rules (issue 14, docs/automation.md). The vocabulary of triggers, conditions and actions is in
# carefront/automation/rules/catalogue.py; evaluation in rules/engine.py.


class Trigger(models.TextChoices):
    CONVERSATION_CREATED = "conversation_created", _("Conversation created")
    CUSTOMER_MESSAGE = "customer_message", _("Customer message received")
    AGENT_REPLY = "agent_reply", _("Agent reply sent")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNEE_CHANGED = "assignee_changed", _("Assignee changed")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    TAGS_CHANGED = "tags_changed", _("Tags changed")
    RATING_RECEIVED = "rating_received", _("Rating received")
    SLA_AT_RISK = "sla_at_risk", _("SLA target at risk")
    SLA_BREACHED = "sla_breached", _("SLA target breached")
    # A time rule: fires once when its conditions have held for `delay_minutes` since the anchor.
    TIME = "time", _("Time passed")


class TimeAnchor(models.TextChoices):
    STATUS_CHANGED = "status_changed", _("since the status last changed")
    CREATED = "created", _("since the conversation was created")
    CUSTOMER_MESSAGE = "customer_message", _("since the customer's last message")
    AGENT_REPLY = "agent_reply", _("since the last agent reply")


class Rule(models.Model):
    """An ordered procedure: when `trigger`, if `conditions`, then `actions`.

    conditions: {"all": [condition, ...], "any": [condition, ...]}; a condition is
    {"field": str, "op": str, "value": ...} with the fields and operators of the catalogue.
    Both groups empty: always. `any` empty: only `all` counts.
    actions: [{"type": str, "params": {...}}, ...], run in order.
    """

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    trigger = models.CharField(_("when"), max_length=32, choices=Trigger.choices)
    # Time rules only.
    time_anchor = models.CharField(
        _("counted from"), max_length=32, choices=TimeAnchor.choices, blank=True
    )
    delay_minutes = models.PositiveIntegerField(_("after (minutes)"), null=True, blank=True)
    in_business_hours = models.BooleanField(
        _("count business hours only"),
        default=True,
        help_text=_("Count only the inbox's business hours (calendar hours without a calendar)."),
    )
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["is_active", "trigger", "position", "id"], name="rule_active_idx")
        ]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """The trace: one rule considered for one change of one conversation, why it matched or not,
    and what it did. `change_key` names the change ("message:123", "status:456", "time:7:...");
    a rule runs at most once per change (the unique constraint)."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", _("Matched")
        NOT_MATCHED = "not_matched", _("Did not match")
        SKIPPED = "skipped", _("Skipped")

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, related_name="runs")
    rule_name = models.CharField(max_length=120)
    trigger = models.CharField(max_length=32, choices=Trigger.choices)
    change_key = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    # Why: [{"field", "op", "value", "actual", "result": bool}] per condition, or the skip reason.
    reasons = models.JSONField(default=list, blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    # What: [{"type", "params", "done": bool, "detail": str}] per action.
    done = models.JSONField(default=list, blank=True)
    # How deep in a chain of rules this change was (loops are capped at run time).
    depth = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "conversation", "change_key"], name="rule_run_once_per_change"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "-id"], name="rule_run_conversation_idx"),
            models.Index(fields=["rule", "-id"], name="rule_run_rule_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_name} on #{self.conversation_id}: {self.outcome}"


class RuleChange(models.Model):
    """The audit of a rule: who created, edited, enabled, disabled, moved or deleted it."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Edited")
        ENABLED = "enabled", _("Enabled")
        DISABLED = "disabled", _("Disabled")
        MOVED = "moved", _("Moved")
        DELETED = "deleted", _("Deleted")

    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, related_name="changes")
    rule_name = models.CharField(max_length=120)
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The rule's fields before and after (empty for created / deleted respectively).
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rule change")
        verbose_name_plural = _("rule changes")
        indexes = [models.Index(fields=["rule", "-id"], name="rule_change_rule_idx")]

    def __str__(self) -> str:
        return f"{self.rule_name}: {self.action}"


# ---------------------------------------------------------------------------------------------
# Triage (issue 14): language, sentiment / urgency and intent of each new conversation.


class ConversationTriage(models.Model):
    """What triage predicted for a conversation (from its first customer message), with the
    confidence and the reasons, and the correction an agent made. Rules read these fields."""

    conversation = models.OneToOneField(
        "conversations.Conversation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="triage",
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    language_confidence = models.FloatField(null=True, blank=True)
    # "negative", "neutral", "positive" and a score in [-1, 1].
    sentiment = models.CharField(_("sentiment"), max_length=16, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)
    # "low", "normal", "high".
    urgency = models.CharField(_("urgency"), max_length=16, blank=True)
    # Why: the words and signals behind sentiment and urgency, e.g.
    # {"sentiment": ["angry", ...], "urgency": ["asap", "!!!"]}.
    explanation = models.JSONField(default=dict, blank=True)
    intent = models.CharField(_("intent"), max_length=100, blank=True)
    intent_confidence = models.FloatField(null=True, blank=True)
    # An agent's correction wins over the prediction and becomes training data.
    intent_corrected = models.CharField(_("corrected intent"), max_length=100, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("triage")
        verbose_name_plural = _("triage")
        indexes = [
            models.Index(fields=["intent"], name="triage_intent_idx"),
            # Training reads the corrected conversations only.
            models.Index(
                fields=["intent_corrected"],
                condition=~models.Q(intent_corrected=""),
                name="triage_corrected_idx",
            ),
            models.Index(fields=["urgency"], name="triage_urgency_idx"),
            models.Index(fields=["sentiment"], name="triage_sentiment_idx"),
        ]

    def __str__(self) -> str:
        return f"triage of #{self.conversation_id}"

    @property
    def effective_intent(self) -> str:
        return self.intent_corrected or self.intent


# ---------------------------------------------------------------------------------------------
# Routing and auto-assignment (issues 13 and 14, docs/routing.md; carefront/automation/routing.py)


class AssignmentStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


DEFAULT_CHAT_ACCEPT_SECONDS = 60
DEFAULT_CHAT_WAIT_MINUTES = 5


class AssignmentPolicy(models.Model):
    """How an inbox's or a team's new conversations find an agent, and for a chat inbox how long
    an offered chat waits to be accepted. Exactly one of `inbox` and `team`; a team's policy
    wins over its inbox's for conversations of that team."""

    inbox = models.OneToOneField(
        "inboxes.Inbox",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignment_policy",
        verbose_name=_("inbox"),
    )
    team = models.OneToOneField(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignment_policy",
        verbose_name=_("team"),
    )
    enabled = models.BooleanField(_("assign automatically"), default=True)
    strategy = models.CharField(
        _("strategy"),
        max_length=16,
        choices=AssignmentStrategy.choices,
        default=AssignmentStrategy.ROUND_ROBIN,
    )
    reassign_after_away_minutes = models.PositiveIntegerField(
        _("reassign after the agent is away for (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: conversations stay with an agent who is away."),
    )
    chat_accept_seconds = models.PositiveIntegerField(
        _("seconds to accept a chat"), default=DEFAULT_CHAT_ACCEPT_SECONDS
    )
    chat_wait_minutes = models.PositiveIntegerField(
        _("minutes a chat waits before it continues by email"), default=DEFAULT_CHAT_WAIT_MINUTES
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assignment policy")
        verbose_name_plural = _("assignment policies")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(inbox__isnull=False, team__isnull=True)
                    | models.Q(inbox__isnull=True, team__isnull=False)
                ),
                name="assignment_policy_inbox_xor_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_strategy_display()} ({self.inbox or self.team})"


class AgentRouting(models.Model):
    """When an agent last got a chat offer and an automatic assignment: round-robin gives the
    next one to whoever waited longest."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="routing"
    )
    last_chat_offer_at = models.DateTimeField(null=True, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent routing state")
        verbose_name_plural = _("agent routing states")

    def __str__(self) -> str:
        return f"routing of agent #{self.agent_id}"


class ChatState(models.TextChoices):
    QUEUED = "queued", _("Waiting in the queue")
    OFFERED = "offered", _("Offered to an agent")
    ACCEPTED = "accepted", _("Accepted")
    TO_EMAIL = "to_email", _("Continued by email")
    CLOSED = "closed", _("Closed while waiting")


WAITING_CHAT_STATES = (ChatState.QUEUED, ChatState.OFFERED)


class ChatRouting(models.Model):
    """Where a chat stands on its way to an agent: queued, offered (to whom, until when),
    accepted, or continued by email when nobody accepted in time."""

    conversation = models.OneToOneField(
        "conversations.Conversation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="chat_routing",
    )
    inbox = models.ForeignKey("inboxes.Inbox", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=ChatState.choices, default=ChatState.QUEUED)
    queued_at = models.DateTimeField()
    offered_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    # Moves on with each offer: the timer of an earlier offer finds another number and stops.
    offer_version = models.PositiveIntegerField(default=0)
    # Agents who declined or let the offer pass: not offered this chat again.
    passed_agent_ids = models.JSONField(default=list, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chat routing")
        verbose_name_plural = _("chat routings")
        indexes = [
            models.Index(
                fields=["inbox", "state", "queued_at", "conversation"], name="chat_queue_idx"
            ),
            models.Index(fields=["offered_to", "state"], name="chat_offered_to_idx"),
        ]

    def __str__(self) -> str:
        return f"chat #{self.conversation_id} ({self.state})"


class TriageModel(models.Model):
    """One trained intent classifier (carefront/automation/triage/intent.py): the arrays it
    learned as a compressed .npz (no pickle), and how it did on a held-out part of its data.
    The newest row is the one in use; older ones are kept a while to compare."""

    created_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    examples = models.PositiveIntegerField(_("examples"), default=0)
    labels = models.JSONField(_("intents"), default=list)
    holdout_size = models.PositiveIntegerField(default=0)
    holdout_accuracy = models.FloatField(_("accuracy on held-out examples"), null=True, blank=True)
    holdout_macro_f1 = models.FloatField(null=True, blank=True)
    train_seconds = models.FloatField(default=0)
    data = models.BinaryField()

    class Meta:
        verbose_name = _("intent model")
        verbose_name_plural = _("intent models")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"intent model #{self.pk} ({self.examples} examples)"
