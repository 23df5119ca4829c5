"""Inboxes (channel instances), their email settings, and the raw inbound store."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.accounts.models import Team
from carefront.core.crypto import EncryptedTextField

DEFAULT_RATING_DELAY_MINUTES = 60
MAX_RATING_DELAY_MINUTES = 7 * 24 * 60
DEFAULT_RECOVERY_DUE_HOURS = 8
MAX_RECOVERY_DUE_HOURS = 30 * 24


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    API = "api", _("API")
    CHAT = "chat", _("Live chat")


class Inbox(models.Model):
    """Where customers write to: one address (or channel instance), answered by its teams."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    email_address = models.EmailField(
        _("address"), max_length=320, unique=True, null=True, blank=True
    )
    from_name = models.CharField(
        _("sender name"), max_length=100, blank=True, help_text=_("Shown to customers on replies.")
    )
    teams = models.ManyToManyField(
        Team, related_name="inboxes", blank=True, verbose_name=_("teams")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Satisfaction surveys (carefront/feedback, docs/feedback.md). Email inboxes only.
    ask_for_rating = models.BooleanField(
        _("ask for a rating after resolution"),
        default=True,
        help_text=_(
            "Email the customer a one-click satisfaction survey (great / okay / not good) "
            "after the conversation is solved."
        ),
    )
    rating_delay_minutes = models.PositiveIntegerField(
        _("minutes to wait before asking"),
        default=DEFAULT_RATING_DELAY_MINUTES,
        help_text=_(
            "Not sent if the conversation is reopened meanwhile. 0 sends it at once; "
            "at most 10080 (a week)."
        ),
    )
    # The acknowledgement with an expected reply time (carefront/sla, docs/admin-guide.md).
    send_acknowledgement = models.BooleanField(
        _("acknowledge new conversations"),
        default=True,
        help_text=_(
            "Tell the customer at once that their message arrived and by when the team will "
            "reply (estimated from the SLA, recent reply times and the queue)."
        ),
    )
    # No choices here: they come from settings.LANGUAGES, which models must not read at import.
    default_language = models.CharField(
        _("default language"),
        max_length=16,
        blank=True,
        help_text=_(
            "For customer-facing text (surveys, the rating page) when the customer has no "
            "preferred language Carefront speaks. Empty: the site's language."
        ),
    )
    # Recovery of bad experiences (carefront/feedback, docs/feedback.md): who follows up on a bad
    # rating of this inbox's conversations (empty: a lead of the conversation's team), and how
    # soon, in business hours of the inbox's calendar (calendar hours without one).
    recovery_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recovery owner"),
        help_text=_("Follows up on bad ratings. Empty: a lead of the conversation's team."),
    )
    recovery_due_hours = models.PositiveIntegerField(
        _("hours to follow up on a bad rating"),
        default=DEFAULT_RECOVERY_DUE_HOURS,
        help_text=_("Business hours of the inbox's calendar; calendar hours without one."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImapAccount(models.Model):
    """An IMAP mailbox that feeds an inbox. Fetching is UID-based and resumes where it stopped."""

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="imap_account")
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("use TLS"), default=True)
    username = models.CharField(_("username"), max_length=255)
    password = EncryptedTextField(_("password"))
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    delete_after_fetch = models.BooleanField(
        _("delete from server after import"),
        default=False,
        help_text=_("Off by default: Carefront never deletes mail unless told to."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    uid_validity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("IMAP account")
        verbose_name_plural = _("IMAP accounts")

    def __str__(self) -> str:
        return f"{self.username}@{self.host}/{self.folder}"


class RawStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    DUPLICATE = "duplicate", _("Duplicate")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


class HoldReason(models.TextChoices):
    """Why an inbound email did not become a visible message: it is held, never discarded, and
    an admin can find and release it (the "Held mail" page, docs/admin-guide.md)."""

    NONE = "", _("Not held")
    AUTO_REPLY = "auto_reply", _("Auto-reply to no conversation")
    BOUNCE = "bounce", _("Bounce for an unknown message")
    DUPLICATE = "duplicate", _("Duplicate")
    EMPTY = "empty", _("Empty")
    TOO_LARGE = "too_large", _("Too large")
    NO_INBOX = "no_inbox", _("No inbox")
    ERROR = "error", _("Could not be stored")


# A row is held while it has a reason and has not been released; the held-mail list's indexes
# carry this condition, and the selector filters with the same Q so that they are used.
HELD = Q(released_at__isnull=True) & ~Q(hold_reason="")


class RawInbound(models.Model):
    """Inbound input exactly as it arrived, stored before anything parses it, so nothing is lost.

    The parsed summary columns (sender, subject, date, Message-ID, fingerprint) are filled when
    an email is parsed, so that held mail can be listed without parsing it again.
    """

    inbox = models.ForeignKey(
        Inbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=32)  # imap, smtp, import, api, ...
    source_ref = models.CharField(max_length=500, blank=True)  # IMAP uid, file path, ...
    data = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=RawStatus.choices, default=RawStatus.RECEIVED)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    hold_reason = models.CharField(
        _("held because"), max_length=16, choices=HoldReason.choices, blank=True, default=""
    )
    from_address = models.CharField(_("sender"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("date"), null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    fingerprint = models.CharField(max_length=32, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("raw inbound message")
        verbose_name_plural = _("raw inbound messages")
        indexes = [
            models.Index(fields=["status", "id"], name="raw_inbound_status_idx"),
            # "Held mail", newest first, all reasons or one reason (keyset on id).
            models.Index(fields=["id"], condition=HELD, name="raw_held_idx"),
            models.Index(fields=["hold_reason", "id"], condition=HELD, name="raw_held_reason_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.pk} ({self.status})"


# The chat adapter's models live with it (carefront/inboxes/chat/models.py).
from .chat.models import ChatSettings, ChatVisitor  # noqa: E402, F401
