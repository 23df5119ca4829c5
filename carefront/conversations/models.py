"""Conversations, their messages, attachments, tags, timeline events and the outbox."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Expression, F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from carefront.accounts.models import Team
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox, RawInbound

SUBJECT_MAX_LENGTH = 255
# "Waiting longest" order: since when the customer waits, else the last activity.
WAITING_KEY = Coalesce("waiting_since", "last_message_at")


class FarFuture(Expression):
    """A constant instant after any real due time, written into the SQL as a literal: SQLite
    uses an index on an expression only when the query repeats it exactly, and a bound
    parameter is not the literal the index was built with."""

    output_field = models.DateTimeField()
    LITERAL = "'9999-12-31 00:00:00'"

    def as_sql(self, compiler, connection):
        return self.LITERAL, []

    def as_postgresql(self, compiler, connection):
        return "'9999-12-31 00:00:00+00'::timestamptz", []

    def __repr__(self) -> str:
        return "FarFuture()"

    def __eq__(self, other):
        return isinstance(other, FarFuture)

    def __hash__(self):
        return hash(FarFuture)


# "Due soonest" order: the next SLA due time; conversations without one (no target runs) last.
DUE_KEY = Coalesce("sla_due_at", FarFuture())


def new_reply_token() -> str:
    return secrets.token_hex(8)


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    # Set aside until `snoozed_until` (a plain snooze or a follow-up promise); back to open when
    # that time comes or the customer writes. SLA clocks pause, as they do while pending.
    SNOOZED = "snoozed", _("Snoozed")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


class Priority(models.IntegerChoices):
    """How urgent a conversation is. Stored as a number so that "highest first" is a plain
    descending index walk; the gaps leave room for a level in between without renumbering.
    The API, webhooks and forms speak the names (`priority_name`, `PRIORITY_BY_NAME`)."""

    LOW = 10, _("Low")
    NORMAL = 20, _("Normal")
    HIGH = 30, _("High")
    URGENT = 40, _("Urgent")


# "low" -> Priority.LOW: the names the API, webhooks and forms use.
PRIORITY_BY_NAME = {p.name.lower(): p for p in Priority}


def priority_name(value: int) -> str:
    return Priority(value).name.lower()


# "Highest priority first", then the longest waiting: the keyset of the priority sort.
PRIORITY_DESC = F("priority").desc()


class Tag(models.Model):
    """A label agents put on conversations to group and find them."""

    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    """A customer's request and everything said about it, in one inbox."""

    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="conversations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="conversations")
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
        verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("team"),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    tags = models.ManyToManyField(Tag, related_name="conversations", blank=True)
    # Secret carried in the Reply-To address and subject; only honoured for known senders.
    reply_token = models.CharField(
        max_length=32, unique=True, default=new_reply_token, editable=False
    )
    # Since when the customer has been waiting for us; null when the ball is in their court.
    waiting_since = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField()
    message_count = models.PositiveIntegerField(default=0)
    preview = models.CharField(max_length=200, blank=True)
    # Started by list or bulk mail (Precedence: bulk/list, List-Id, ...): shown to agents like
    # any other, but never auto-acknowledged, surveyed or answered by automation.
    is_bulk = models.BooleanField(_("bulk or list mail"), default=False)
    # Until when a snoozed conversation stays set aside (null unless status is snoozed).
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    # The SLA app's summary of the running targets (carefront/sla): the earliest due time and when
    # it turns "at risk". Null when no target runs (none applies, met, or paused). Kept here so
    # the inbox can sort and filter by it through an index; written only through
    # `conversation_set_sla_due`.
    sla_due_at = models.DateTimeField(_("next SLA due time"), null=True, blank=True)
    sla_at_risk_at = models.DateTimeField(null=True, blank=True)
    # The last LiveEvent.seq given out for this conversation (carefront/conversations/live.py).
    live_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            # Keyset pagination: every list orders by (waiting_since, id) or (last_message_at, id).
            models.Index(F("status"), WAITING_KEY, F("id"), name="conv_status_wait_idx"),
            models.Index(F("inbox"), F("status"), WAITING_KEY, F("id"), name="conv_inbox_wait_idx"),
            models.Index(
                F("assignee"), F("status"), WAITING_KEY, F("id"), name="conv_assignee_wait_idx"
            ),
            models.Index(F("team"), F("status"), WAITING_KEY, F("id"), name="conv_team_wait_idx"),
            models.Index(fields=["status", "last_message_at", "id"], name="conv_status_last_idx"),
            models.Index(
                fields=["inbox", "status", "last_message_at", "id"], name="conv_inbox_last_idx"
            ),
            models.Index(fields=["customer", "last_message_at"], name="conv_customer_idx"),
            # The "all" folder (the API's default list) filters on no status: without these,
            # its first page sorts every visible row (200 ms at 100k conversations).
            models.Index(WAITING_KEY, F("id"), name="conv_wait_idx"),
            models.Index(fields=["last_message_at", "id"], name="conv_last_idx"),
            # API: `sort=updated` and `updated_since` / `created_since` (syncing integrations).
            models.Index(fields=["updated_at", "id"], name="conv_updated_idx"),
            models.Index(fields=["created_at", "id"], name="conv_created_idx"),
            # "Highest priority first" (priority descending, then longest waiting), per folder,
            # per inbox and over all; the same indexes serve a `priority` filter.
            models.Index(
                F("status"), PRIORITY_DESC, WAITING_KEY, F("id"), name="conv_status_prio_idx"
            ),
            models.Index(
                F("inbox"),
                F("status"),
                PRIORITY_DESC,
                WAITING_KEY,
                F("id"),
                name="conv_inbox_prio_idx",
            ),
            models.Index(PRIORITY_DESC, WAITING_KEY, F("id"), name="conv_prio_idx"),
            # "Due soonest" (the next SLA due time, none last), and the "breached" / "at risk"
            # filters, which are ranges on the same key: per folder, per inbox, assignee and
            # team (as the waiting order), and over all.
            models.Index(F("status"), DUE_KEY, F("id"), name="conv_status_due_idx"),
            models.Index(F("inbox"), F("status"), DUE_KEY, F("id"), name="conv_inbox_due_idx"),
            models.Index(
                F("assignee"), F("status"), DUE_KEY, F("id"), name="conv_assignee_due_idx"
            ),
            models.Index(F("team"), F("status"), DUE_KEY, F("id"), name="conv_team_due_idx"),
            models.Index(DUE_KEY, F("id"), name="conv_due_idx"),
            # The "bulk" filter: few rows among many, so an index of their own.
            models.Index(
                F("status"), WAITING_KEY, F("id"), condition=Q(is_bulk=True), name="conv_bulk_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_waiting(self) -> bool:
        return self.waiting_since is not None


class Direction(models.TextChoices):
    INCOMING = "incoming", _("From the customer")
    OUTGOING = "outgoing", _("To the customer")
    NOTE = "note", _("Private note")


class DeliveryStatus(models.TextChoices):
    NONE = "", _("Not applicable")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    """One message in a conversation: from the customer, to the customer, or a private note."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=16, choices=Direction.choices)
    channel = models.CharField(max_length=16, default="email")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    from_name = models.CharField(max_length=320, blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    # Where the sender asked answers to go; replies use it (docs/email-parsing.md).
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    # What the message says (inbound.message_fingerprint): a redelivery has the same one, a
    # different message that reuses a Message-ID does not. Empty for our own and API messages.
    fingerprint = models.CharField(max_length=32, blank=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)  # already sanitised
    # The new part of the message, without the quoted thread and signature.
    reply_text = models.TextField(blank=True)
    is_auto_submitted = models.BooleanField(default=False)
    parse_warning = models.TextField(blank=True)
    raw = models.ForeignKey(
        RawInbound, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)  # the Date header
    created_at = models.DateTimeField(db_index=False)
    delivery_status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.NONE, blank=True
    )
    delivery_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["conversation", "created_at", "id"], name="message_timeline_idx"),
            # An agent's replies in a period (quality: workload signals).
            models.Index(fields=["author", "created_at"], name="message_author_created_idx"),
        ]
        constraints = [
            # The same email (CC'd to two inboxes, fetched twice) is stored once; another
            # message that reuses its Message-ID has another fingerprint and is kept. Lookups by
            # message_id alone use this index too (its first column).
            models.UniqueConstraint(
                fields=["message_id", "fingerprint"],
                condition=~Q(message_id=""),
                name="message_unique_id_fingerprint",
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} message #{self.pk}"

    @property
    def is_note(self) -> bool:
        return self.direction == Direction.NOTE

    @property
    def has_quote(self) -> bool:
        return bool(self.reply_text) and self.reply_text.strip() != self.body_text.strip()


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    """A file that came with (or was sent with) a message. Content-addressed on disk."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=attachment_path, max_length=255)
    content_id = models.CharField(max_length=255, blank=True)
    is_inline = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class ThreadKey(models.Model):
    """Maps every Message-ID we have seen or that was referenced to its conversation.

    Referenced ids are recorded too, so a parent that arrives after its reply finds the thread.
    """

    message_id = models.CharField(max_length=255, unique=True)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("thread key")
        verbose_name_plural = _("thread keys")

    def __str__(self) -> str:
        return self.message_id


class EventKind(models.TextChoices):
    CREATED = "created", _("Conversation created")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    TAGGED = "tagged", _("Tags changed")
    MERGED = "merged", _("Merged")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    # Written by the feedback app through `conversation_timeline_add`.
    RATING_REQUESTED = "rating_requested", _("Rating requested")
    RATED = "rated", _("Rated by the customer")
    RECOVERY_OPENED = "recovery_opened", _("Recovery task opened")
    RECOVERY_REASSIGNED = "recovery_reassigned", _("Recovery task reassigned")
    RECOVERY_CLOSED = "recovery_closed", _("Recovery task closed")
    CUSTOMER_CHANGED = "customer_changed", _("Customer changed")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    # Written by the sla app through `conversation_timeline_add`.
    SLA_BREACHED = "sla_breached", _("SLA target breached")
    # Written by the feedback app ("you said, we did").
    IMPROVEMENT_LINKED = "improvement_linked", _("Linked to an improvement")
    IMPROVEMENT_TOLD = "improvement_told", _("Customer told about a shipped improvement")
    # Written by the automation app's chat routing (a chat nobody accepted went to email).
    ROUTING = "routing", _("Routing")


class ConversationEvent(models.Model):
    """A timeline row: who did what to the conversation, and when."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conversation event")
        verbose_name_plural = _("conversation events")
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="conv_event_timeline_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.conversation_id}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    # The relay answered 250; the message's own status is not updated yet. Never sent again.
    ACCEPTED = "accepted", _("Handed to the relay")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxEntry(models.Model):
    """A reply waiting to be delivered. Written in the same transaction as its message."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="outbox_entry")
    status = models.CharField(
        max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the relay accepted it (status "accepted", then "sent").
    sent_at = models.DateTimeField(null=True, blank=True)
    # The worker (`carefront.core.workers`) whose attempt is under way: lets recovery tell a
    # send whose process died from one still going.
    sending_by = models.CharField(max_length=64, blank=True)
    # Set when the attempt began talking to the relay (MAIL FROM ... DATA): an attempt killed
    # before it certainly sent nothing; one killed after may have been accepted (in flight).
    transmit_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"outbox #{self.pk} ({self.status})"


class LiveEvent(models.Model):
    """A change to a conversation, numbered per conversation, for realtime pages to resume from.

    Agent pages and the chat widget keep the last `seq` they saw; after a dropped connection
    they ask for everything after it (carefront/conversations/live.py). `public` events are the
    ones the customer may see (messages to and from them, read receipts): never notes.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    public = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("live event")
        verbose_name_plural = _("live events")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="live_event_seq_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="live_event_created_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq} on #{self.conversation_id}"
