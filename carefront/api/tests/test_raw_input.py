"""POST /conversations keeps the request as it arrived, whatever becomes of it."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carefront.accounts.models import ApiToken
from carefront.conversations.models import Message
from carefront.inboxes import api_input
from carefront.inboxes.models import RawInbound, RawStatus

pytestmark = pytest.mark.django_db

URL = "/api/v1/conversations"


def _post(api: Client, body: str | bytes, **extra):
    return api.post(URL, body, content_type="application/json", **extra)


def _payload(inbox, **changes) -> dict:
    return {
        "inbox_id": inbox.pk,
        "customer": {"email": "ana@example.com", "name": "Ana Lima"},
        "subject": "Broken lamp",
        "body": "The lamp is cracked.",
        **changes,
    }


def test_an_accepted_request_is_stored_with_its_message(api, inbox, agent):
    body = json.dumps(_payload(inbox))
    response = _post(api, body, HTTP_USER_AGENT="shop/1.0", HTTP_X_REQUEST_ID="req-7")
    assert response.status_code == 201

    raw = RawInbound.objects.get()
    token = ApiToken.objects.get(agent=agent)
    assert raw.source == "api"
    assert raw.source_ref == f"token:{token.pk}"
    assert raw.status == RawStatus.PROCESSED
    assert raw.inbox == inbox
    assert raw.processed_at is not None
    data = bytes(raw.data)
    head, _, stored_body = data.partition(b"\r\n\r\n")
    assert stored_body == body.encode()
    assert raw.size == len(body.encode())
    assert head.startswith(b"POST /api/v1/conversations HTTP/1.1")
    assert b"Content-Type: application/json" in head
    assert b"User-Agent: shop/1.0" in head
    assert b"X-Request-Id: req-7" in head
    # Credentials never reach the store.
    assert b"Authorization" not in head
    assert b"Bearer" not in data
    message = Message.objects.get(conversation_id=response.json()["id"])
    assert message.raw == raw


def test_a_payload_that_fails_the_schema_is_kept_with_the_error(api, inbox):
    body = json.dumps({"inbox_id": inbox.pk, "customer": {"email": "ana@example.com"}})
    response = _post(api, body)
    assert response.status_code == 422

    raw = RawInbound.objects.get()
    assert raw.status == RawStatus.REJECTED
    assert bytes(raw.data).endswith(body.encode())
    assert "HTTP 422" in raw.error
    assert "validation_error" in raw.error
    assert "body.payload.body" in raw.error
    assert not Message.objects.exists()


def test_a_body_that_is_not_json_is_kept(api):
    response = _post(api, b"{not json\xff")
    assert response.status_code in {400, 422}
    raw = RawInbound.objects.get()
    assert raw.status == RawStatus.REJECTED
    assert bytes(raw.data).endswith(b"{not json\xff")


def test_a_request_breaking_a_rule_is_kept_with_the_detail(api, inbox):
    response = _post(api, json.dumps(_payload(inbox, customer={"email": "not an address"})))
    assert response.status_code == 400
    raw = RawInbound.objects.get()
    assert raw.status == RawStatus.REJECTED
    assert "The customer's email address is not valid." in raw.error


def test_a_repeated_external_id_is_kept_as_a_duplicate(api, inbox):
    body = json.dumps(_payload(inbox, external_id="order-1"))
    assert _post(api, body).status_code == 201
    assert _post(api, body).status_code == 200
    statuses = list(RawInbound.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [RawStatus.PROCESSED, RawStatus.DUPLICATE]
    assert Message.objects.count() == 1


def test_a_failure_while_storing_rolls_back_the_message_but_keeps_the_request(
    api, inbox, monkeypatch
):
    def broken_receive(**kwargs):
        # The raw row is already inserted when this runs, in the same transaction.
        assert RawInbound.objects.filter(pk=kwargs["items"][0].raw.pk).exists()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api_input, "messages_receive", broken_receive)
    response = _post(api, json.dumps(_payload(inbox)))
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}

    raw = RawInbound.objects.get()
    assert raw.status == RawStatus.FAILED
    assert "RuntimeError: disk on fire" in raw.error
    assert bytes(raw.data).endswith(json.dumps(_payload(inbox)).encode())
    assert not Message.objects.exists()


def test_a_session_call_is_stored_under_the_agent(agent, inbox):
    browser = Client(enforce_csrf_checks=False)
    browser.force_login(agent)
    assert _post(browser, json.dumps(_payload(inbox))).status_code == 201
    assert RawInbound.objects.get().source_ref == f"agent:{agent.pk}"


def test_unauthenticated_calls_store_nothing(inbox):
    anonymous = Client(headers={"Authorization": "Bearer cf_unknown"})
    assert _post(anonymous, json.dumps(_payload(inbox))).status_code == 401
    assert not RawInbound.objects.exists()


def test_a_read_only_token_writing_stores_nothing(read_api, inbox):
    assert _post(read_api, json.dumps(_payload(inbox))).status_code == 403
    assert not RawInbound.objects.exists()


def test_an_accepted_create_writes_the_raw_row_once(api, inbox):
    _post(api, json.dumps(_payload(inbox, external_id="warm-up")))  # token last-used, caches
    with CaptureQueriesContext(connection) as queries:
        assert _post(api, json.dumps(_payload(inbox))).status_code == 201
    raw_writes = [
        q["sql"] for q in queries.captured_queries if "inboxes_rawinbound" in q["sql"].lower()
    ]
    assert len(raw_writes) == 1
    assert raw_writes[0].upper().startswith("INSERT")


def test_a_refused_api_request_is_not_retried_as_email(api, inbox):
    from carefront.core.exceptions import InvalidInput
    from carefront.inboxes.services import raw_inbound_retry

    _post(api, json.dumps(_payload(inbox, customer={"email": "nope"})))
    with pytest.raises(InvalidInput, match="came through the API"):
        raw_inbound_retry(raw_id=RawInbound.objects.get().pk)


def test_when_even_the_raw_row_cannot_be_written_the_answer_is_still_json(
    api, inbox, monkeypatch, caplog
):
    def broken_receive(**kwargs):
        raise RuntimeError("disk on fire")

    def broken_refuse(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(api_input, "messages_receive", broken_receive)
    monkeypatch.setattr("carefront.api.raw_input.api_input_refuse", broken_refuse)
    response = _post(api, json.dumps(_payload(inbox)))
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "Could not keep the raw API request" in caplog.text
