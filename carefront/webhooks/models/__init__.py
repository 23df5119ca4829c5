from .webhooks import (
    DeliveryStatus,
    SubscriptionState,
    WebhookDelivery,
    WebhookSubscription,
    new_webhook_secret,
)

__all__ = [
    "DeliveryStatus",
    "SubscriptionState",
    "WebhookDelivery",
    "WebhookSubscription",
    "new_webhook_secret",
]
