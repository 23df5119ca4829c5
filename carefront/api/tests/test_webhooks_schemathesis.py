"""The webhooks endpoints under schemathesis, called by an admin (the suite-wide run in
test_schemathesis.py calls as an agent, who gets 403 here): generated input must never give a
5xx, and every answer must match the OpenAPI document."""

from collections.abc import Iterator

import pytest

from carefront.webhooks.models import WebhookDelivery
from carefront.webhooks.services import webhook_subscription_create

from .test_schemathesis import CHECKS, SETTINGS, calling_as, schema

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]


@pytest.fixture
def admin_world(admin) -> Iterator[dict[str, str]]:
    # Events and pings only enqueue their delivery after commit, which never comes inside a
    # test's transaction: nothing is sent anywhere.
    webhook = webhook_subscription_create(
        actor=admin, url="https://hooks.example.com/cf", event_types=["customer.created"]
    )
    delivery = WebhookDelivery.objects.create(
        subscription=webhook, event_type="customer.created", payload='{"id": "x"}'
    )
    with calling_as(admin, webhook_id=[webhook.pk], delivery_id=[delivery.pk]) as headers:
        yield headers


@schema.include(path_regex="/webhooks").parametrize()
@SETTINGS
def test_webhook_answers_match_the_openapi_document(case, admin_world):
    case.call_and_validate(headers=admin_world, checks=CHECKS)
