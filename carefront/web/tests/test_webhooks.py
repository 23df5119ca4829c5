"""The webhooks pages of the admin area."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carefront.webhooks.models import DeliveryStatus, SubscriptionState, WebhookDelivery
from carefront.webhooks.services import webhook_subscription_create
from carefront.webhooks.tests.conftest import receiver  # noqa: F401 - the loopback receiver

pytestmark = pytest.mark.django_db

LIST_URL = reverse("web:manage_webhooks")


def _subscription(admin, url="https://hooks.example.com/cf", **fields):
    subscription = webhook_subscription_create(
        actor=admin, url=url, event_types=["conversation.created", "customer.created"]
    )
    if fields:
        for name, value in fields.items():
            setattr(subscription, name, value)
        subscription.save()
    return subscription


def _deliveries(subscription, n: int, **fields) -> list[WebhookDelivery]:
    return WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription=subscription,
                event_type="customer.created",
                payload=f'{{"id": "{i}"}}',
                **fields,
            )
            for i in range(n)
        ]
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_admin_creates_a_webhook_and_sees_its_secret(admin_client):
    response = admin_client.post(
        reverse("web:manage_webhook_new"),
        {
            "url": "https://hooks.example.com/cf",
            "description": "CRM",
            "event_types": ["conversation.created", "message.created"],
        },
    )
    assert response.status_code == 302
    page = admin_client.get(response["Location"])
    html = page.content.decode()
    subscription = page.context["subscription"]
    assert subscription.event_types == ["conversation.created", "message.created"]
    assert subscription.secret in html
    assert "Send test event" in html
    assert "No deliveries yet" in html


def test_a_bad_url_is_shown_next_to_the_form(admin_client):
    response = admin_client.post(
        reverse("web:manage_webhook_new"),
        {"url": "ftp://example.com/", "event_types": ["conversation.created"]},
    )
    assert response.status_code == 400
    assert "must start with https:// or http://" in response.content.decode()


def test_an_unknown_event_is_refused_by_the_form(admin_client):
    response = admin_client.post(
        reverse("web:manage_webhook_new"),
        {"url": "https://x.example/", "event_types": ["nps.received"]},
    )
    assert response.status_code == 400


def test_edit_form_is_filled_and_saves(admin_client, admin):
    subscription = _subscription(admin)
    url = reverse("web:manage_webhook_edit", args=[subscription.pk])
    assert "https://hooks.example.com/cf" in admin_client.get(url).content.decode()
    response = admin_client.post(
        url, {"url": "https://other.example/", "event_types": ["customer.updated"]}
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.url == "https://other.example/"
    assert subscription.event_types == ["customer.updated"]


def test_list_shows_state_and_recent_failure_in_constant_queries(admin_client, admin):
    _subscription(
        admin,
        last_failure_at=timezone.now(),
        last_failure_error="The receiver answered 500",
        consecutive_failures=2,
    )
    admin_client.get(LIST_URL)  # fills the cache behind the bell's unread count
    small = _queries(admin_client, LIST_URL)
    for i in range(10):
        _subscription(admin, url=f"https://h{i}.example/")
    large = _queries(admin_client, LIST_URL)
    assert small == large
    html = admin_client.get(LIST_URL).content.decode()
    assert "The receiver answered 500" in html
    assert "2 failed deliveries in a row" in html


def test_paused_webhook_shows_a_notice_across_the_admin_area(admin_client, admin):
    subscription = _subscription(
        admin,
        state=SubscriptionState.PAUSED,
        paused_reason="Paused automatically after 10 deliveries in a row failed.",
    )
    html = admin_client.get(LIST_URL).content.decode()
    assert "Paused: https://hooks.example.com/cf" in html
    assert "Paused automatically after 10 deliveries" in html
    other_page = admin_client.get(reverse("web:manage_teams")).content.decode()
    assert "A webhook is paused" in other_page
    detail = admin_client.get(reverse("web:manage_webhook", args=[subscription.pk]))
    assert "This webhook is paused" in detail.content.decode()
    assert "Resume" in detail.content.decode()


def test_no_notice_when_nothing_is_paused(admin_client, admin):
    _subscription(admin)
    assert "is paused" not in admin_client.get(reverse("web:manage_teams")).content.decode()


def test_deliveries_are_paged_newest_first_in_constant_queries(admin_client, admin):
    subscription = _subscription(admin)
    url = reverse("web:manage_webhook", args=[subscription.pk])
    _deliveries(subscription, 3, status=DeliveryStatus.SUCCEEDED, response_status_code=200)
    admin_client.get(url)  # fills the cache behind the bell's unread count
    small = _queries(admin_client, url)
    created = _deliveries(subscription, 30, status=DeliveryStatus.FAILED, error="Timeout")
    large = _queries(admin_client, url)
    assert small == large

    first = admin_client.get(url)
    items = first.context["deliveries"]
    assert len(items) == 25
    assert items[0].pk == created[-1].pk
    cursor = first.context["next_cursor"]
    assert cursor
    second = admin_client.get(url, {"cursor": cursor})
    rest = second.context["deliveries"]
    assert len(rest) == 8
    assert second.context["next_cursor"] is None
    assert {d.pk for d in items} | {d.pk for d in rest} == set(
        WebhookDelivery.objects.values_list("pk", flat=True)
    )


def test_a_bad_cursor_is_a_400_not_a_500(admin_client, admin):
    subscription = _subscription(admin)
    url = reverse("web:manage_webhook", args=[subscription.pk])
    assert admin_client.get(url, {"cursor": "not-a-cursor"}).status_code == 400


def test_a_delivery_of_another_webhook_is_not_found(admin_client, admin):
    one = _subscription(admin)
    other = _subscription(admin, url="https://other.example/")
    [delivery] = _deliveries(other, 1)
    url = reverse("web:manage_webhook_delivery", args=[one.pk, delivery.pk])
    assert admin_client.get(url).status_code == 404


def test_send_test_event_from_the_ui_reaches_the_receiver(
    admin_client,
    admin,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    subscription = _subscription(admin, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("web:manage_webhook_ping", args=[subscription.pk]))
    assert response.status_code == 302
    [request] = receiver.requests
    assert request.headers["Carefront-Event"] == "ping"

    page = admin_client.get(response["Location"])
    html = page.content.decode()
    assert page.context["delivery"].status == DeliveryStatus.SUCCEEDED
    assert "Carefront-Signature: t=" in html
    assert "Hello from Carefront" in html
    assert "200" in html


def test_redeliver_from_the_ui_sends_the_event_again(
    admin_client,
    admin,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    subscription = _subscription(admin, url=receiver.url)
    [delivery] = _deliveries(subscription, 1, status=DeliveryStatus.FAILED, attempts=8)
    url = reverse("web:manage_webhook_redeliver", args=[subscription.pk, delivery.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302
    [request] = receiver.requests
    assert request.headers["Carefront-Delivery"] == str(delivery.event_id)


def test_pause_resume_roll_and_delete(admin_client, admin):
    subscription = _subscription(admin)
    secret = subscription.secret
    admin_client.post(reverse("web:manage_webhook_pause", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.PAUSED
    assert admin.name in subscription.paused_reason
    admin_client.post(reverse("web:manage_webhook_resume", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.ACTIVE
    admin_client.post(reverse("web:manage_webhook_roll_secret", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.secret != secret
    assert subscription.previous_secret == secret
    page = admin_client.get(reverse("web:manage_webhook", args=[subscription.pk]))
    assert "The previous secret also signs requests until" in page.content.decode()
    admin_client.post(
        reverse("web:manage_webhook_roll_secret", args=[subscription.pk]),
        {"expire_previous_now": "1"},
    )
    subscription.refresh_from_db()
    assert not subscription.previous_secret_active
    admin_client.post(reverse("web:manage_webhook_delete", args=[subscription.pk]))
    assert admin_client.get(LIST_URL).context["subscriptions"] == []


def test_actions_refuse_get(admin_client, admin):
    subscription = _subscription(admin)
    response = admin_client.get(reverse("web:manage_webhook_delete", args=[subscription.pk]))
    assert response.status_code == 405
