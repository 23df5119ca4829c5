"""Managing subscriptions: who may, what is accepted, and the SSRF guard at save and send time."""

import pytest
from django.test import override_settings

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.webhooks import catalogue
from carefront.webhooks.models import DeliveryStatus, WebhookSubscription
from carefront.webhooks.services import (
    webhook_event_record,
    webhook_subscription_create,
    webhook_subscription_roll_secret,
    webhook_subscription_update,
)
from carefront.webhooks.transport import is_public_address

pytestmark = pytest.mark.django_db

EVENTS = [catalogue.CONVERSATION_CREATED]


def test_admin_creates_a_subscription_with_a_fresh_secret(admin):
    first = webhook_subscription_create(
        actor=admin, url=" https://hooks.example.com/cf ", event_types=EVENTS, description="CRM"
    )
    second = webhook_subscription_create(actor=admin, url="https://x.example/", event_types=EVENTS)
    assert first.url == "https://hooks.example.com/cf"
    assert first.created_by == admin
    assert first.secret.startswith("whsec_")
    assert len(first.secret) == len("whsec_") + 64
    assert first.secret != second.secret


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD])
def test_only_admins_manage_webhooks(role):
    with pytest.raises(PermissionDenied):
        webhook_subscription_create(
            actor=AgentFactory(role=role), url="https://x.example/", event_types=EVENTS
        )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL"),
        ("ftp://example.com/", "https:// or http://"),
        ("javascript:alert(1)", "https:// or http://"),
        ("https:///path", "no host"),
        ("https://user:pw@example.com/", "no user name or password"),
        ("https://example.com:99999/", "port"),
        ("https://example.com/#frag", "fragment"),
        ("https://example.com/a b", "spaces or control characters"),
        ("https://example.com/\r\nX-Injected: 1", "spaces or control characters"),
        ("https://example.com/" + "a" * 2000, "at most"),
    ],
)
def test_bad_urls_are_refused_with_a_clear_message(admin, url, message):
    with pytest.raises(InvalidInput, match=message):
        webhook_subscription_create(actor=admin, url=url, event_types=EVENTS)


def test_events_must_come_from_the_catalogue(admin):
    with pytest.raises(InvalidInput, match="at least one"):
        webhook_subscription_create(actor=admin, url="https://x.example/", event_types=[])
    with pytest.raises(InvalidInput, match="Unknown event"):
        webhook_subscription_create(
            actor=admin, url="https://x.example/", event_types=["nps.received"]
        )
    with pytest.raises(InvalidInput, match="Unknown event"):
        webhook_subscription_create(actor=admin, url="https://x.example/", event_types=["ping"])


def test_update_keeps_the_secret_and_roll_changes_it(admin):
    subscription = webhook_subscription_create(
        actor=admin, url="https://x.example/", event_types=EVENTS
    )
    secret = subscription.secret
    webhook_subscription_update(
        actor=admin,
        subscription=subscription,
        url="https://y.example/",
        event_types=[catalogue.CUSTOMER_UPDATED, catalogue.CONVERSATION_CREATED],
    )
    subscription.refresh_from_db()
    assert subscription.secret == secret
    # Kept in catalogue order.
    assert subscription.event_types == [catalogue.CONVERSATION_CREATED, catalogue.CUSTOMER_UPDATED]
    webhook_subscription_roll_secret(actor=admin, subscription=subscription)
    subscription.refresh_from_db()
    assert subscription.secret != secret
    assert subscription.secret.startswith("whsec_")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
    ],
)
def test_public_address_check(address, public):
    assert is_public_address(address) is public


@override_settings(CAREFRONT_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/",
        "http://0x7f000001/",
    ],
)
def test_private_addresses_are_refused_at_save_time(admin, url):
    with pytest.raises(InvalidInput, match="private or local address"):
        webhook_subscription_create(actor=admin, url=url, event_types=EVENTS)
    assert not WebhookSubscription.objects.exists()


def test_private_addresses_are_refused_again_at_send_time(
    admin, receiver, settings, django_capture_on_commit_callbacks
):
    # Saved while allowed (or the name resolved elsewhere then): sending checks again.
    webhook_subscription_create(actor=admin, url=receiver.url, event_types=EVENTS)
    settings.CAREFRONT_WEBHOOKS_ALLOW_PRIVATE = False
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_record(
            event_type=catalogue.CONVERSATION_CREATED, build=lambda: {"id": 1}
        )
    delivery.refresh_from_db()
    assert receiver.requests == []
    assert delivery.status == DeliveryStatus.PENDING
    assert "private or local address (127.0.0.1)" in delivery.error
    assert delivery.response_status_code is None


@pytest.mark.django_db
def test_signing_secrets_are_encrypted_in_the_database():
    from django.db import connection

    from carefront.core.crypto import PREFIX
    from carefront.webhooks.models import WebhookSubscription

    subscription = WebhookSubscription.objects.create(
        url="https://example.com/hook", event_types=["conversation.created"]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM webhooks_webhooksubscription WHERE id = %s", [subscription.pk]
        )
        stored = cursor.fetchone()[0]
    assert stored.startswith(PREFIX)
    assert subscription.secret not in stored
    assert WebhookSubscription.objects.get(pk=subscription.pk).secret == subscription.secret
