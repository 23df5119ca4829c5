"""Every error is JSON `{"detail", "code"}` with the right status."""

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_conversation_is_404_json(api):
    response = api.get("/api/v1/conversations/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Conversation not found.", "code": "not_found"}


def test_malformed_json_is_400(api, conversation):
    response = api.post(
        f"/api/v1/conversations/{conversation.pk}/notes", "{not json", "application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_missing_field_is_422_and_names_it(api, conversation):
    response = api.post(
        f"/api/v1/conversations/{conversation.pk}/notes", {}, content_type="application/json"
    )
    assert response.status_code == 422
    assert ["body", "payload", "body"] in [e["loc"] for e in response.json()["errors"]]


def test_bad_query_parameter_is_422(api):
    response = api.get("/api/v1/conversations", {"limit": 0})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_bad_cursor_is_400(api):
    for url in ("/api/v1/conversations", "/api/v1/customers", "/api/v1/inboxes"):
        response = api.get(url, {"cursor": "garbage!!"})
        assert response.status_code == 400, url
        assert response.json() == {"detail": "The page cursor is not valid.", "code": "invalid"}


def test_cursor_of_the_wrong_shape_is_400(api, conversation):
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps([{"a": 1}, 1]).encode()).decode()
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    assert api.get(url, {"cursor": cursor}).status_code == 400


def test_401_says_how_to_authenticate(client):
    response = client.get("/api/v1/conversations")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unexpected_failure_is_a_json_500_without_internals(api, conversation, monkeypatch):
    from carefront.api.endpoints import conversations

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(conversations, "conversations_out", broken)
    response = api.get("/api/v1/conversations")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}


def test_unknown_endpoint_is_a_json_404(api):
    response = api.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such endpoint.", "code": "not_found"}
