"""Delivering to a real HTTP receiver on loopback: success, retries, pausing, redelivery."""

import datetime as dt
import json
import time

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from carefront.webhooks import catalogue
from carefront.webhooks.models import DeliveryStatus, SubscriptionState, WebhookDelivery
from carefront.webhooks.services import (
    webhook_deliver,
    webhook_delivery_redeliver,
    webhook_event_record,
    webhook_flush,
    webhook_ping,
    webhook_subscription_create,
    webhook_subscription_pause,
    webhook_subscription_resume,
)

from .helpers import documented_verify, independent_signature, parse_signature_header

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription(admin, receiver):
    return webhook_subscription_create(
        actor=admin,
        url=receiver.url,
        event_types=[catalogue.CUSTOMER_CREATED, catalogue.CONVERSATION_CREATED],
        description="CRM sync",
    )


def record(capture, data: dict | None = None) -> list[WebhookDelivery]:
    """Record a customer.created event and run what follows the commit (the immediate task)."""
    with capture(execute=True):
        deliveries = webhook_event_record(
            event_type=catalogue.CUSTOMER_CREATED, build=lambda: data or {"id": 1, "name": "Ana"}
        )
    for delivery in deliveries:
        delivery.refresh_from_db()
    return deliveries


def later(delivery: WebhookDelivery) -> dt.datetime:
    """A moment when the delivery's retry is due."""
    delivery.refresh_from_db()
    return delivery.next_attempt_at + dt.timedelta(seconds=1)


def test_success_posts_signed_json_with_the_documented_headers(
    subscription, receiver, django_capture_on_commit_callbacks
):
    [delivery] = record(django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.response_status_code == 200
    assert delivery.response_body == "ok"
    assert delivery.duration_ms is not None

    [request] = receiver.requests
    assert request.path == "/hooks/carefront"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Carefront-Webhooks/1"
    assert request.headers["Carefront-Event"] == "customer.created"
    assert request.headers["Carefront-Delivery"] == str(delivery.event_id)
    payload = json.loads(request.body)
    assert payload["id"] == str(delivery.event_id)
    assert payload["type"] == "customer.created"
    assert payload["data"] == {"id": 1, "name": "Ana"}
    assert payload["created_at"].endswith("Z")

    timestamp, signature = parse_signature_header(request.headers["Carefront-Signature"])
    assert abs(int(timestamp) - time.time()) < 60
    assert signature == independent_signature(subscription.secret, timestamp, request.body)
    assert documented_verify()(
        subscription.secret, request.headers["Carefront-Signature"], request.body
    )
    # What the UI shows is what was sent.
    assert delivery.request_headers["Carefront-Signature"] == request.headers["Carefront-Signature"]
    subscription.refresh_from_db()
    assert subscription.last_success_at is not None


def test_a_500_schedules_a_retry_with_backoff(
    subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.default = "500"
    before = timezone.now()
    [delivery] = record(django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.response_status_code == 500
    assert "500" in delivery.error
    # The kept body is cut to the configured size.
    assert len(delivery.response_body) < 4200
    assert delivery.response_body.endswith("[…]")
    # 1 minute, plus up to 10 % jitter.
    wait = delivery.next_attempt_at - before
    assert dt.timedelta(seconds=59) < wait < dt.timedelta(seconds=67)
    subscription.refresh_from_db()
    assert subscription.last_failure_at is not None
    assert subscription.consecutive_failures == 0  # the delivery has not failed for good yet


def test_a_retry_is_not_sent_before_it_is_due_and_is_sent_after(
    subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.script = ["500"]
    [delivery] = record(django_capture_on_commit_callbacks)
    assert webhook_flush() == 0
    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    assert len(receiver.requests) == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_flush(now=later(delivery)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2
    first, second = receiver.requests
    # Same bytes and the same event id on every attempt, so receivers can dedupe.
    assert first.body == second.body
    assert first.headers["Carefront-Delivery"] == second.headers["Carefront-Delivery"]


def test_backoff_grows_exponentially_then_the_delivery_fails(
    subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.default = "500"
    [delivery] = record(django_capture_on_commit_callbacks)
    waits = []
    for _attempt in range(7):
        previous = delivery.last_attempt_at
        with django_capture_on_commit_callbacks(execute=True):
            webhook_deliver(delivery_id=delivery.pk, now=later(delivery))
        delivery.refresh_from_db()
        waits.append((delivery.last_attempt_at - previous).total_seconds() / 60)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 8
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 8
    expected = [1, 4, 16, 64, 256, 480, 480]
    for wait, minutes in zip(waits, expected, strict=True):
        assert minutes <= wait <= minutes * 1.1 + 0.1
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1
    assert subscription.state == SubscriptionState.ACTIVE


@override_settings(CAREFRONT_WEBHOOKS_TIMEOUT_SECONDS=0.3)
def test_a_slow_receiver_times_out_and_is_retried(
    subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.script = ["slow"]
    receiver.slow_seconds = 1.0
    [delivery] = record(django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status_code is None
    assert "0.3 seconds" in delivery.error
    assert delivery.next_attempt_at > timezone.now()


def test_a_closed_connection_is_a_failure(
    subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.script = ["close"]
    [delivery] = record(django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status_code is None
    assert delivery.error  # e.g. RemoteDisconnected


def test_a_redirect_is_not_followed(subscription, receiver, django_capture_on_commit_callbacks):
    receiver.script = ["redirect"]
    [delivery] = record(django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status_code == 302
    assert len(receiver.requests) == 1


def test_a_refused_connection_is_a_failure(admin, django_capture_on_commit_callbacks):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook_subscription_create(
        actor=admin, url=f"http://127.0.0.1:{port}/", event_types=[catalogue.CUSTOMER_CREATED]
    )
    [delivery] = record(django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.PENDING
    assert "Connection" in delivery.error or "refused" in delivery.error.lower()


@override_settings(CAREFRONT_WEBHOOKS_MAX_ATTEMPTS=1, CAREFRONT_WEBHOOKS_PAUSE_AFTER_FAILURES=3)
def test_a_subscription_that_keeps_failing_is_paused_and_admins_are_emailed(
    subscription, receiver, admin, django_capture_on_commit_callbacks
):
    receiver.default = "503"
    for _ in range(2):
        record(django_capture_on_commit_callbacks)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 2
    assert subscription.state == SubscriptionState.ACTIVE
    assert mail.outbox == []

    record(django_capture_on_commit_callbacks)
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.PAUSED
    assert subscription.paused_at is not None
    assert "3 deliveries in a row failed" in subscription.paused_reason
    assert "503" in subscription.paused_reason
    [email] = mail.outbox
    assert email.to == [admin.email]
    assert subscription.url in email.subject
    assert "Resume" in email.body

    # Paused: later events are not recorded for it, and nothing more is sent.
    assert record(django_capture_on_commit_callbacks) == []
    assert len(receiver.requests) == 3


@override_settings(CAREFRONT_WEBHOOKS_MAX_ATTEMPTS=1, CAREFRONT_WEBHOOKS_PAUSE_AFTER_FAILURES=1)
def test_the_pause_email_links_to_the_webhook_under_the_base_url(
    subscription, receiver, admin, django_capture_on_commit_callbacks
):
    from django.conf import settings

    receiver.default = "503"
    with override_settings(
        CAREFRONT={**settings.CAREFRONT, "BASE_URL": "https://help.example.com"}
    ):
        record(django_capture_on_commit_callbacks)
    [email] = mail.outbox
    assert f"https://help.example.com/manage/webhooks/{subscription.pk}/" in email.body


def test_a_success_resets_the_failure_count(
    subscription, receiver, django_capture_on_commit_callbacks
):
    subscription.consecutive_failures = 4
    subscription.save(update_fields=["consecutive_failures"])
    record(django_capture_on_commit_callbacks)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_resume_sends_the_deliveries_waiting_for_a_retry(
    subscription, receiver, admin, django_capture_on_commit_callbacks
):
    receiver.script = ["500"]
    [delivery] = record(django_capture_on_commit_callbacks)
    webhook_subscription_pause(actor=admin, subscription=subscription)
    # Paused: due retries stay where they are.
    assert webhook_flush(now=later(delivery)) == 0
    assert webhook_deliver(delivery_id=delivery.pk, now=later(delivery)) == "paused"

    with django_capture_on_commit_callbacks(execute=True):
        webhook_subscription_resume(actor=admin, subscription=subscription)
    delivery.refresh_from_db()
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.ACTIVE
    assert subscription.paused_reason == ""
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 2


def test_redeliver_sends_the_same_event_again_once(
    subscription, receiver, admin, django_capture_on_commit_callbacks
):
    [delivery] = record(django_capture_on_commit_callbacks)
    receiver.default = "500"
    with django_capture_on_commit_callbacks(execute=True):
        again = webhook_delivery_redeliver(actor=admin, delivery=delivery)
    again.refresh_from_db()
    assert again.pk != delivery.pk
    assert again.is_redelivery
    assert again.event_id == delivery.event_id
    # A redelivery is one attempt: it fails at once instead of retrying, and does not count.
    assert again.status == DeliveryStatus.FAILED
    first, second = receiver.requests
    assert first.body == second.body
    assert second.headers["Carefront-Delivery"] == str(delivery.event_id)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_ping_reaches_a_paused_subscription(
    subscription, receiver, admin, django_capture_on_commit_callbacks
):
    webhook_subscription_pause(actor=admin, subscription=subscription)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_ping(actor=admin, subscription=subscription)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    [request] = receiver.requests
    assert request.headers["Carefront-Event"] == "ping"
    payload = json.loads(request.body)
    assert payload["data"]["subscription"]["id"] == subscription.pk


def test_two_workers_attempting_the_same_delivery_send_it_once(
    subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.script = ["500"]
    [delivery] = record(django_capture_on_commit_callbacks)
    due = later(delivery)
    assert webhook_deliver(delivery_id=delivery.pk, now=due) == DeliveryStatus.SUCCEEDED
    # A lost task that comes back, or the flush, finds nothing left to do.
    assert webhook_deliver(delivery_id=delivery.pk, now=due) == DeliveryStatus.SUCCEEDED
    assert webhook_flush(now=due + dt.timedelta(hours=1)) == 0
    assert len(receiver.requests) == 2


def test_a_worker_that_died_mid_attempt_is_revived_by_the_flush(
    subscription, receiver, django_capture_on_commit_callbacks
):
    # The row was claimed (attempt counted, lease taken) and then the worker vanished.
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_type=catalogue.CUSTOMER_CREATED,
        payload='{"id": "x"}',
        attempts=1,
        next_attempt_at=now + dt.timedelta(minutes=5),
        last_attempt_at=now,
    )
    assert webhook_flush(now=now + dt.timedelta(minutes=1)) == 0
    assert webhook_flush(now=now + dt.timedelta(minutes=6)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2


def test_deleting_the_subscription_mid_flight_loses_nothing_else(
    subscription, receiver, admin, django_capture_on_commit_callbacks
):
    from carefront.webhooks.services import webhook_subscription_delete

    receiver.script = ["500"]
    [delivery] = record(django_capture_on_commit_callbacks)
    webhook_subscription_delete(actor=admin, subscription=subscription)
    assert webhook_deliver(delivery_id=delivery.pk) == "missing"


def test_finished_deliveries_are_forgotten_after_the_retention(subscription, settings):
    from carefront.webhooks.services import webhook_deliveries_prune

    settings.CAREFRONT_WEBHOOKS_KEEP_DAYS = 30
    now = timezone.now()
    _old, recent, waiting = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription=subscription,
                event_type="customer.created",
                payload="{}",
                status=DeliveryStatus.SUCCEEDED,
                completed_at=now - dt.timedelta(days=31),
            ),
            WebhookDelivery(
                subscription=subscription,
                event_type="customer.created",
                payload="{}",
                status=DeliveryStatus.FAILED,
                completed_at=now - dt.timedelta(days=29),
            ),
            WebhookDelivery(
                subscription=subscription,
                event_type="customer.created",
                payload="{}",
                next_attempt_at=now + dt.timedelta(days=1),
            ),
        ]
    )
    assert webhook_deliveries_prune(now=now) == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}


def test_after_a_roll_both_secrets_sign_for_a_day(
    subscription, receiver, admin, django_capture_on_commit_callbacks
):
    from carefront.webhooks.services import webhook_subscription_roll_secret

    old = subscription.secret
    webhook_subscription_roll_secret(actor=admin, subscription=subscription)
    subscription.refresh_from_db()
    new = subscription.secret
    assert new != old
    record(django_capture_on_commit_callbacks)
    header = receiver.requests[-1].headers["Carefront-Signature"]
    parts = dict(p.split("=", 1) for p in header.split(",") if p.startswith("t="))
    signatures = [p.split("=", 1)[1] for p in header.split(",") if p.startswith("v1=")]
    body = receiver.requests[-1].body
    assert signatures == [
        independent_signature(new, parts["t"], body),
        independent_signature(old, parts["t"], body),
    ]
    verify = documented_verify()
    assert verify(old, header, body)
    assert verify(new, header, body)

    # A day later only the new secret signs.
    type(subscription).objects.filter(pk=subscription.pk).update(
        previous_secret_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    record(django_capture_on_commit_callbacks)
    header = receiver.requests[-1].headers["Carefront-Signature"]
    assert header.count("v1=") == 1
    assert not verify(old, header, receiver.requests[-1].body)


def test_a_leaked_secret_can_be_dropped_at_once(
    subscription, receiver, admin, django_capture_on_commit_callbacks
):
    from carefront.webhooks.services import webhook_subscription_roll_secret

    old = subscription.secret
    webhook_subscription_roll_secret(
        actor=admin, subscription=subscription, expire_previous_now=True
    )
    record(django_capture_on_commit_callbacks)
    request = receiver.requests[-1]
    assert request.headers["Carefront-Signature"].count("v1=") == 1
    assert not documented_verify()(old, request.headers["Carefront-Signature"], request.body)
