"""Reads of the webhooks app. Only admins see webhooks: every selector checks the actor."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_admin
from carefront.core.exceptions import NotFound
from carefront.core.pagination import NewestFirstPage, newest_first_page

from .models import SubscriptionState, WebhookDelivery, WebhookSubscription

DELIVERY_PAGE_SIZE = 25
DELIVERY_LIST_FIELDS = [
    "pk",
    "subscription_id",
    "event_type",
    "event_id",
    "is_redelivery",
    "status",
    "attempts",
    "next_attempt_at",
    "response_status_code",
    "error",
    "duration_ms",
    "created_at",
    "last_attempt_at",
]


def webhook_subscription_list(*, actor: Agent) -> QuerySet[WebhookSubscription]:
    require_admin(actor)
    return WebhookSubscription.objects.order_by("id")


def webhook_subscription_get(*, actor: Agent, subscription_id: int) -> WebhookSubscription:
    require_admin(actor)
    subscription = WebhookSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound(_("Webhook not found."))
    return subscription


def webhook_paused_count(*, actor: Agent) -> int:
    """For the notice in the admin area: how many subscriptions are paused."""
    require_admin(actor)
    return WebhookSubscription.objects.filter(state=SubscriptionState.PAUSED).count()


def webhook_delivery_list(
    *,
    actor: Agent,
    subscription: WebhookSubscription,
    cursor: str | None = None,
    limit: int = DELIVERY_PAGE_SIZE,
) -> NewestFirstPage[WebhookDelivery]:
    """One page of a subscription's deliveries, newest first, keyset-paginated on the id."""
    require_admin(actor)
    qs = WebhookDelivery.objects.filter(subscription=subscription)
    return newest_first_page(
        qs.only(*DELIVERY_LIST_FIELDS), cursor=cursor, limit=limit, kind="deliveries"
    )


def webhook_delivery_get(
    *, actor: Agent, subscription: WebhookSubscription, delivery_id: int
) -> WebhookDelivery:
    require_admin(actor)
    delivery = WebhookDelivery.objects.filter(pk=delivery_id, subscription=subscription).first()
    if delivery is None:
        raise NotFound(_("Delivery not found."))
    return delivery
