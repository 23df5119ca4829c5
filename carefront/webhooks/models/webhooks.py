"""Webhook subscriptions (a URL and the events it wants) and their deliveries (one per event)."""

import datetime as dt
import json
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carefront.core.crypto import EncryptedTextField

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def new_webhook_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(32)


class SubscriptionState(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")


class WebhookSubscription(models.Model):
    """An admin's request that Carefront POST the chosen events to a URL, signed with a secret."""

    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list)
    # Encrypted at rest: we must read it back to sign, so it cannot be hashed.
    secret = EncryptedTextField(_("signing secret"), default=new_webhook_secret)
    # After a roll, the old secret keeps signing (a second v1=) until this time, so receivers
    # can switch without dropping events.
    previous_secret = EncryptedTextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=SubscriptionState.choices,
        default=SubscriptionState.ACTIVE,
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_reason = models.TextField(_("why it is paused"), blank=True)
    # Deliveries that ended failed (all attempts used) since the last success.
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_failure_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        indexes = [models.Index(fields=["state", "id"], name="webhook_sub_state_idx")]

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def is_active(self) -> bool:
        return self.state == SubscriptionState.ACTIVE

    def signing_secrets(self, now: dt.datetime) -> list[str]:
        """The current secret, then the previous one while it is still honoured."""
        if (
            self.previous_secret
            and self.previous_secret_expires_at
            and self.previous_secret_expires_at > now
        ):
            return [self.secret, self.previous_secret]
        return [self.secret]

    @property
    def previous_secret_active(self) -> bool:
        return len(self.signing_secrets(timezone.now())) > 1


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one subscription, and the outcome of its latest attempt.

    `payload` holds the exact JSON body, so every attempt sends the same bytes; `event_id` is the
    same across attempts and redeliveries so that receivers can drop duplicates.
    """

    # No constraint in the database: deliveries are written inside the transaction of the change
    # they report, and a subscription that another process deleted meanwhile (this one's list
    # is cached for a few seconds) must not make that change fail at commit. Such an orphan is
    # dropped when its attempt comes (`webhook_deliver`).
    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_constraint=False,
    )
    event_type = models.CharField(max_length=64)
    event_id = models.UUIDField(default=uuid.uuid4)
    payload = models.TextField()
    is_redelivery = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due; while an attempt runs, the end of its lease.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    request_headers = models.JSONField(default=dict, blank=True)
    response_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # The deliveries page of one subscription, newest first (keyset on id).
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_list_idx"),
            # The catch-up flush: pending deliveries that are due.
            # Pruning old history.
            models.Index(fields=["completed_at"], name="webhook_delivery_done_idx"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.subscription_id}"

    @property
    def payload_pretty(self) -> str:
        try:
            return json.dumps(json.loads(self.payload), indent=2, ensure_ascii=False)
        except ValueError:
            return self.payload
