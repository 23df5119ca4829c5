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


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("get", "/api/v1/customers?name=a%00b", None),
        ("get", "/api/v1/customers?email=a%00b@example.com", None),
        ("get", "/api/v1/conversations?tag=a%00b", None),
        ("get", "/api/v1/tags?prefix=a%00", None),
        ("get", "/api/v1/saved-replies?title=a%00", None),
        ("get", "/api/v1/teams?name=a%00", None),
        ("get", "/api/v1/search?q=a%00", None),
        ("post", "/api/v1/customers", {"email": "a@example.com", "name": "A\x00"}),
    ],
)
def test_nul_characters_are_400_not_a_database_error(api, method, url, payload):
    if payload is None:
        response = api.get(url)
    else:
        response = api.post(url, payload, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"


def test_nul_in_a_multipart_note_is_400(api, conversation):
    response = api.post(f"/api/v1/conversations/{conversation.pk}/notes", {"body": "a\x00b"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def _cursor(values) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_odd_dates_and_forged_cursors_are_client_errors(api, conversation):
    """Dates at the edge of the calendar, odd offsets and forged cursors are answered 200, 400
    or 422; none reaches the database in a shape it cannot take (each 500 would say so)."""
    edge_dates = [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-14:00",
        "2026-01-01T00:00+23:59",
    ]
    calls = []
    for date in edge_dates:
        calls += [
            ("/api/v1/conversations", {"updated_since": date}),
            ("/api/v1/conversations", {"created_since": date}),
            ("/api/v1/customers", {"updated_since": date}),
        ]
        for sort in ("waiting", "newest", "updated"):
            calls.append(
                ("/api/v1/conversations", {"sort": sort, "cursor": _cursor([sort, date, 1])})
            )
        for sort in ("created", "-updated"):
            calls.append(("/api/v1/customers", {"sort": sort, "cursor": _cursor([sort, date, 1])}))
    forged = [["name", 1, 1], ["name", "x", 2**70], ["name", "a\x00", 1], ["name", None, 1]]
    forged += [["name", "x", True], ["relevance", "x", -1], ["waiting", "now", 1]]
    for values in forged:
        calls += [
            ("/api/v1/customers", {"cursor": _cursor(values)}),
            ("/api/v1/teams", {"cursor": _cursor(values)}),
            ("/api/v1/search", {"q": "x", "cursor": _cursor(values)}),
            ("/api/v1/conversations", {"cursor": _cursor(values)}),
            (f"/api/v1/conversations/{conversation.pk}/messages", {"cursor": _cursor(values)}),
        ]
    calls.append(("/api/v1/search", {"q": "#" + "9" * 18}))
    calls.append(("/api/v1/search", {"q": "x" * 500}))
    for url, params in calls:
        response = api.get(url, params)
        assert response.status_code in {200, 400, 422}, (url, params, response.content)
