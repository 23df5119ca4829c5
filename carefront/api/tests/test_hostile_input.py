"""Input that databases refuse or that is too big gets a clear 4xx, never a 500 (found by
schemathesis and probing on PostgreSQL)."""

import json

import pytest

from carefront.inboxes.models import RawInbound, RawStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/conversations", {"customer": {"email": "a@example.com", "name": "A\x00"}}),
        ("post", "/conversations", {"customer": {"email": "a@example.com"}, "body": "B\x00"}),
        ("post", "/conversations/{id}/notes", {"body": "x\x00y"}),
        ("post", "/conversations/{id}/replies", {"body": "x\x00y"}),
        ("put", "/conversations/{id}/tags", {"tags": ["a\x00b"]}),
    ],
)
def test_nul_in_a_body_is_a_400(api, inbox, conversation, method, path, body):
    if path == "/conversations":
        body = {"inbox_id": inbox.pk, "body": "Hello", **body}
    url = "/api/v1" + path.replace("{id}", str(conversation.pk))
    response = getattr(api, method)(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize(
    "url", ["/api/v1/conversations?tag=a%00b", "/api/v1/customers?email=a%00b@example.com"]
)
def test_nul_in_a_query_is_a_400(api, url):
    response = api.get(url)
    assert response.status_code == 400
    assert "query." in response.json()["detail"]


def test_an_escaped_backslash_before_u0000_is_plain_text(api, conversation):
    response = api.post(
        f"/api/v1/conversations/{conversation.pk}/notes",
        json.dumps({"body": "a literal \\u0000 in text"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["body_text"] == "a literal \\u0000 in text"


def test_a_body_over_the_upload_limit_is_a_413_and_kept(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post("/api/v1/conversations", b"x" * 2000, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    raw = RawInbound.objects.get()
    assert raw.status == RawStatus.REJECTED
    assert "HTTP 413" in raw.error
