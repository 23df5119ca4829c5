"""The contact form of an inbox, what customers sent through it, and the visits it deflected;
the customer portal's one-time sign-in links."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from carefront.conversations.models import Conversation
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox

TOKEN_HASH_LENGTH = 64  # hex SHA-256


class ContactForm(models.Model):
    """An inbox's public contact form at /help/contact/<slug>/, set up by an admin."""

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="contact_form")
    slug = models.SlugField(
        _("address"),
        max_length=60,
        unique=True,
        help_text=_("The form is at /help/contact/<address>/ (the inbox's id works too)."),
    )
    is_enabled = models.BooleanField(_("enabled"), default=False)
    title = models.CharField(_("title"), max_length=120, blank=True)
    intro = models.TextField(_("introduction"), max_length=2000, blank=True)
    allow_attachments = models.BooleanField(_("allow an attachment"), default=True)
    # Sites allowed to show the form in an iframe (CSP frame-ancestors); none: only this site.
    embed_origins = models.TextField(
        _("sites that may embed the form"),
        blank=True,
        help_text=_("One origin a line, such as https://www.example.com."),
    )
    deflection_count = models.PositiveIntegerField(default=0, editable=False)
    submission_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact form")
        verbose_name_plural = _("contact forms")

    def __str__(self) -> str:
        return self.title or self.inbox.name

    @property
    def origins(self) -> list[str]:
        return [line.strip() for line in self.embed_origins.splitlines() if line.strip()]


class ContactSubmission(models.Model):
    """One sent contact form: the conversation it became and whether the sender proved the
    address is theirs (the link in the confirmation email). Until then the conversation is
    not shown in that customer's portal."""

    form = models.ForeignKey(ContactForm, on_delete=models.CASCADE, related_name="submissions")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="contact_submissions", null=True
    )
    email = models.CharField(max_length=320)  # lower-cased, as customers are looked up by it
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    token_hash = models.CharField(max_length=TOKEN_HASH_LENGTH, unique=True)
    viewed_article_ids = models.JSONField(default=list, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Rate limits: sends per address and per IP in the last minutes.
            models.Index(fields=["email", "created_at"], name="contact_sub_email_idx"),
            models.Index(fields=["ip_address", "created_at"], name="contact_sub_ip_idx"),
            # The portal hides conversations whose sender is not confirmed yet.
            models.Index(
                fields=["conversation"],
                condition=models.Q(confirmed_at__isnull=True),
                name="contact_sub_unconfirmed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.conversation_id}"


class ContactDeflection(models.Model):
    """A visitor who left the contact form satisfied by a suggested article."""

    form = models.ForeignKey(ContactForm, on_delete=models.CASCADE, related_name="deflections")
    article_id = models.PositiveBigIntegerField()
    query = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["form", "-created_at"], name="contact_defl_form_idx"),
            models.Index(fields=["ip_address", "created_at"], name="contact_defl_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id}: article {self.article_id}"


class PortalSignIn(models.Model):
    """A request for a portal sign-in link. Every request is kept (for the rate limits, and so
    that an unknown address costs the same as a known one); only a known address gets a token
    (`customer` set) and an email. The link is single-use and expires."""

    email = models.CharField(max_length=320)  # lower-cased
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=TOKEN_HASH_LENGTH, null=True, blank=True, unique=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    next_path = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["email", "created_at"], name="portal_signin_email_idx"),
            models.Index(fields=["ip_address", "created_at"], name="portal_signin_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} at {self.created_at}"
