"""Chat inboxes' settings and the visitors who chat with them (docs/chat.md)."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.core.crypto import EncryptedTextField

DEFAULT_ACCENT_COLOR = "#2457c5"
DEFAULT_ACCEPT_TIMEOUT_MINUTES = 3
DEFAULT_EMAIL_AFTER_MINUTES = 5
# Fields the pre-chat form may ask for; each entry of `ChatSettings.prechat_fields` names one.
PRECHAT_FIELDS = ("name", "email", "phone", "company", "order_number")


def new_public_key() -> str:
    return secrets.token_urlsafe(18)


class ChatSettings(models.Model):
    """How a chat inbox's website widget looks and behaves, and which sites may embed it."""

    inbox = models.OneToOneField(
        "inboxes.Inbox", on_delete=models.CASCADE, related_name="chat_settings"
    )
    # In the snippet (public): names the inbox without revealing its id.
    public_key = models.CharField(max_length=64, unique=True, default=new_public_key)
    allowed_domains = models.TextField(
        _("allowed domains"),
        blank=True,
        help_text=_(
            "One host a line: www.example.com, or *.example.com for every subdomain. "
            "Sites not listed cannot open the chat."
        ),
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    greeting = models.CharField(_("greeting"), max_length=500, blank=True)
    accent_color = models.CharField(_("accent colour"), max_length=7, default=DEFAULT_ACCENT_COLOR)
    # [{"name": "email", "label": "", "required": true}, ...] in the order shown.
    prechat_fields = models.JSONField(_("pre-chat fields"), default=list, blank=True)
    identity_secret = EncryptedTextField(_("identity verification secret"), blank=True)
    require_verified_identity = models.BooleanField(
        _("require verified identity"),
        default=False,
        help_text=_("Refuse visitors whose website did not sign their user id."),
    )
    use_business_hours = models.BooleanField(
        _("offer chat only in business hours"),
        default=True,
        help_text=_("Uses the inbox's business calendar, if it has one."),
    )
    accept_timeout_minutes = models.PositiveIntegerField(
        _("minutes for an agent to accept a chat"),
        default=DEFAULT_ACCEPT_TIMEOUT_MINUTES,
        help_text=_("A chat nobody accepts in time becomes an email conversation."),
    )
    email_after_minutes = models.PositiveIntegerField(
        _("email replies after the visitor left for (minutes)"),
        default=DEFAULT_EMAIL_AFTER_MINUTES,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chat settings")
        verbose_name_plural = _("chat settings")

    def __str__(self) -> str:
        return f"chat settings of inbox {self.inbox_id}"

    @property
    def domains(self) -> list[str]:
        return [line.strip().lower() for line in self.allowed_domains.splitlines() if line.strip()]


class ChatVisitor(models.Model):
    """One person chatting from one browser (or one verified user of the website): the
    customer they are, the conversation they are in, and where they are."""

    inbox = models.ForeignKey("inboxes.Inbox", on_delete=models.CASCADE, related_name="+")
    # Made with the visitor's first message: most visitors never write.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat_visitors",
    )
    conversation = models.ForeignKey(
        "conversations.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The website's user id, once signed with the inbox's secret.
    external_user_id = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    # The address the visitor typed: theirs only once `email_confirmed_at` is set.
    email = models.EmailField(max_length=320, blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    prechat = models.JSONField(default=dict, blank=True)
    last_read_seq = models.PositiveIntegerField(default=0)
    open_sockets = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat visitor")
        verbose_name_plural = _("chat visitors")
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "external_user_id"],
                condition=~Q(external_user_id=""),
                name="chat_visitor_user_unique",
            )
        ]
        indexes = [models.Index(fields=["conversation"], name="chat_visitor_conv_idx")]

    def __str__(self) -> str:
        return f"chat visitor #{self.pk}"
