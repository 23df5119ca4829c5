"""The webhooks endpoints under schemathesis, called by an admin (the suite-wide run in
test_schemathesis.py calls as an agent, who gets 403 here): generated input must never give a
5xx, and every answer must match the OpenAPI document."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from carefront.accounts.models import TokenScope
from carefront.accounts.services import api_token_create
from carefront.webhooks.models import WebhookDelivery
from carefront.webhooks.services import webhook_subscription_create

from .test_schemathesis import CHECKS, KNOWN_IDS, MAX_EXAMPLES, schema

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]


@pytest.fixture
def admin_world(admin) -> dict[str, str]:
    # Events and pings only enqueue their delivery after commit, which never comes inside a
    # test's transaction: nothing is sent anywhere.
    webhook = webhook_subscription_create(
        actor=admin, url="https://hooks.example.com/cf", event_types=["customer.created"]
    )
    delivery = WebhookDelivery.objects.create(
        subscription=webhook, event_type="customer.created", payload='{"id": "x"}'
    )
    KNOWN_IDS.clear()
    KNOWN_IDS.update(webhook_id=[webhook.pk], delivery_id=[delivery.pk])
    _token, plain = api_token_create(agent=admin, name="schemathesis", scope=TokenScope.READ_WRITE)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Bearer {plain}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        KNOWN_IDS.clear()


@schema.include(path_regex="/webhooks").parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_webhook_answers_match_the_openapi_document(case, admin_world):
    case.call_and_validate(headers=admin_world, checks=CHECKS)
