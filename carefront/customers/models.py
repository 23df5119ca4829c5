"""Customer profiles and the identities (email addresses, ...) that lead to them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from carefront.core.exceptions import InvalidInput


class Customer(models.Model):
    """One person we serve, whatever channel they write on."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("primary email"), max_length=320, blank=True)
    language = models.CharField(_("preferred language"), max_length=16, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    is_internal = models.BooleanField(
        _("internal requester"), default=False, help_text=_("A colleague from another department.")
    )
    # A placeholder for one message whose sender could not be identified (no usable From):
    # one per message, never shared, until an agent links the conversation to a real customer.
    sender_unknown = models.BooleanField(_("sender unknown"), default=False)
    # The customer asked (through the link in a survey email) to get no more surveys: no CSAT
    # survey and no NPS invitation is sent to them while this is set.
    surveys_opted_out_at = models.DateTimeField(_("opted out of surveys"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["name", "id"], name="customer_name_idx"),
            # API lists sorted by creation or last change, and `updated_since` syncs.
            models.Index(fields=["created_at", "id"], name="customer_created_idx"),
            models.Index(fields=["updated_at", "id"], name="customer_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        from .attributes import check_attributes

        try:
            check_attributes(self.attributes)
        except InvalidInput as exc:
            raise ValidationError({"attributes": exc.message}) from exc

    @property
    def display_name(self) -> str:
        if self.sender_unknown and not self.name:
            return str(_("Sender unknown"))
        return self.name or self.email or _("Customer #%(id)s") % {"id": self.pk}

    @property
    def first_name(self) -> str:
        if self.name:
            return self.name.split()[0]
        return self.email.split("@")[0] if self.email else ""


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    EXTERNAL = "external", _("External id")


class CustomerIdentity(models.Model):
    """An address a customer reaches us from. Email values are stored lower-cased."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices, default=IdentityKind.EMAIL)
    value = models.CharField(max_length=320)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer identity")
        verbose_name_plural = _("customer identities")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="customer_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
