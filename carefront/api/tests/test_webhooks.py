"""The webhooks endpoints: CRUD, pause/resume, deliveries, errors, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from carefront.webhooks.tests.conftest import receiver  # noqa: F401 - the loopback receiver

pytestmark = pytest.mark.django_db

NEW = {
    "url": "https://hooks.example.com/cf",
    "description": "CRM",
    "event_types": ["conversation.created", "message.created"],
}


def _create(admin_api, **overrides) -> dict:
    response = admin_api.post(
        "/api/v1/webhooks", {**NEW, **overrides}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_create_returns_the_webhook_with_its_secret(admin_api):
    body = _create(admin_api)
    assert body["url"] == NEW["url"]
    assert body["event_types"] == NEW["event_types"]
    assert body["state"] == "active"
    assert body["secret"].startswith("whsec_")
    assert admin_api.get(f"/api/v1/webhooks/{body['id']}").json() == body


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"url": "ftp://x.example/"}, "https:// or http://"),
        ({"event_types": []}, "at least one event"),
        ({"event_types": ["nps.received"]}, "Unknown event"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(admin_api, payload, detail):
    response = admin_api.post(
        "/api/v1/webhooks", {**NEW, **payload}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert detail in response.json()["detail"]
    assert not WebhookSubscription.objects.exists()


def test_schema_mismatch_is_a_422(admin_api):
    response = admin_api.post(
        "/api/v1/webhooks", {"url": 5, "event_types": "x"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_patch_changes_fields_and_pauses_and_resumes(admin_api):
    webhook = _create(admin_api)
    url = f"/api/v1/webhooks/{webhook['id']}"
    patched = admin_api.patch(
        url, {"event_types": ["customer.created"]}, content_type="application/json"
    ).json()
    assert patched["event_types"] == ["customer.created"]
    assert patched["url"] == NEW["url"]
    assert patched["description"] == "CRM"
    assert patched["secret"] == webhook["secret"]
    paused = admin_api.patch(url, {"state": "paused"}, content_type="application/json").json()
    assert paused["state"] == "paused"
    assert paused["paused_reason"]
    resumed = admin_api.patch(url, {"state": "active"}, content_type="application/json").json()
    assert resumed["state"] == "active"
    assert resumed["paused_reason"] == ""
    empty = admin_api.patch(url, {"event_types": []}, content_type="application/json")
    assert empty.status_code == 400


def test_roll_secret_and_delete(admin_api):
    webhook = _create(admin_api)
    url = f"/api/v1/webhooks/{webhook['id']}"
    response = admin_api.post(f"{url}/roll-secret")
    assert response.status_code == 200, response.content
    rolled = response.json()
    assert rolled["secret"] != webhook["secret"]
    assert rolled["previous_secret_expires_at"] is not None
    leaked = admin_api.post(f"{url}/roll-secret?expire_previous_now=true").json()
    assert leaked["previous_secret_expires_at"] is None
    assert admin_api.delete(url).status_code == 204
    assert admin_api.get(url).status_code == 404


def test_unknown_webhook_is_404(admin_api):
    response = admin_api.get("/api/v1/webhooks/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Webhook not found.", "code": "not_found"}


def test_ping_and_deliveries_against_a_real_receiver(
    admin_api,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    webhook = _create(admin_api, url=receiver.url)
    base = f"/api/v1/webhooks/{webhook['id']}"
    with django_capture_on_commit_callbacks(execute=True):
        ping = admin_api.post(f"{base}/ping")
    assert ping.status_code == 202
    assert ping.json()["event_type"] == "ping"
    [request] = receiver.requests
    assert request.headers["Carefront-Delivery"] == ping.json()["event_id"]

    [listed] = admin_api.get(f"{base}/deliveries").json()["items"]
    assert listed["status"] == "succeeded"
    assert listed["response_status_code"] == 200
    detail = admin_api.get(f"{base}/deliveries/{listed['id']}").json()
    assert detail["payload"]["type"] == "ping"
    assert detail["request_headers"]["Carefront-Signature"].startswith("t=")
    assert detail["response_body"] == "ok"

    with django_capture_on_commit_callbacks(execute=True):
        again = admin_api.post(f"{base}/deliveries/{listed['id']}/redeliver")
    assert again.status_code == 202
    assert again.json()["is_redelivery"] is True
    assert again.json()["event_id"] == listed["event_id"]
    assert len(receiver.requests) == 2


def test_deliveries_page_newest_first_in_constant_queries(admin_api):
    webhook = _create(admin_api)
    subscription = WebhookSubscription.objects.get(pk=webhook["id"])

    def add(n: int) -> None:
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    subscription=subscription,
                    event_type="message.created",
                    payload="{}",
                    status=DeliveryStatus.SUCCEEDED,
                )
                for _ in range(n)
            ]
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = admin_api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries?limit=10")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add(3)
    small = queries()
    add(40)
    assert queries() == small
    seen = []
    cursor = None
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        page = admin_api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == 43
    bad = admin_api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", {"cursor": "zzz"})
    assert bad.status_code == 400
