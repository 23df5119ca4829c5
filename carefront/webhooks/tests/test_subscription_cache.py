"""The per-process list of active subscriptions: cheap events, and never wrong for long."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.conversations.models import Message
from carefront.conversations.tests.factories import receive
from carefront.webhooks import catalogue, services
from carefront.webhooks.models import WebhookDelivery, WebhookSubscription
from carefront.webhooks.services import (
    webhook_event_record,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_pause,
)


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.CAREFRONT_WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS = 60
    services._active_cache = None
    yield
    services._active_cache = None


def record() -> list[WebhookDelivery]:
    return webhook_event_record(event_type=catalogue.CUSTOMER_CREATED, build=lambda: {"id": 1})


def queries_for(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_events_nobody_subscribes_to_cost_no_query_once_the_list_is_cached():
    assert queries_for(record) == 1
    assert queries_for(record) == 0


@pytest.mark.django_db
def test_this_process_sees_its_own_changes_at_once(admin):
    assert record() == []
    subscription = webhook_subscription_create(
        actor=admin, url="https://x.example/", event_types=[catalogue.CUSTOMER_CREATED]
    )
    assert len(record()) == 1
    webhook_subscription_pause(actor=admin, subscription=subscription)
    assert record() == []


@pytest.mark.django_db(transaction=True)
def test_a_subscription_deleted_elsewhere_does_not_cost_the_others_their_event(
    admin, receiver, inbox
):
    # Real commits here: the deliveries are really sent, to the loopback receiver.
    kept = webhook_subscription_create(
        actor=admin, url=receiver.url + "/kept", event_types=[catalogue.CUSTOMER_CREATED]
    )
    gone = webhook_subscription_create(
        actor=admin, url=receiver.url + "/gone", event_types=[catalogue.CUSTOMER_CREATED]
    )
    webhook_subscription_pause(actor=admin, subscription=kept)
    services.webhook_subscription_resume(actor=admin, subscription=kept)
    assert len(record()) == 2  # both cached now
    # Another process deletes one: this process's cache still lists it.
    WebhookSubscription.objects.filter(pk=gone.pk).delete()
    receiver.requests.clear()
    # The change that publishes the event commits all the same (its deliveries are written
    # inside its transaction), and only the live subscription hears of it.
    result = receive(inbox, from_address="new-customer@example.com")
    assert Message.objects.filter(pk=result.message.pk).exists()
    assert [r.path.rsplit("/", 1)[-1] for r in receiver.requests] == ["kept"]
    # The orphan delivery was dropped by its attempt.
    assert set(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == {kept.pk}
    webhook_subscription_delete(actor=admin, subscription=kept)
    assert record() == []
