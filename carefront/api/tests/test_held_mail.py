"""`/api/v1/held-mail`: held emails listed, counted, read and released by admins; and the
conversations list's `is_bulk` filter."""

import pytest

from carefront.conversations.models import Message
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.services import email_ingest

pytestmark = pytest.mark.django_db


def auto_reply(inbox, n: int = 0):
    data = (
        f"From: dora{n}@customer.example\r\nTo: {inbox.email_address}\r\n"
        f"Subject: Out of office {n}\r\nMessage-ID: <oof-{n}@customer.example>\r\n"
        "Auto-Submitted: auto-replied\r\n\r\nAway until Monday.\r\n"
    ).encode()
    return email_ingest(inbox=inbox, data=data, source="test").raw


def test_counts_per_reason(admin_api, inbox):
    auto_reply(inbox, 1)
    auto_reply(inbox, 2)
    body = admin_api.get("/api/v1/held-mail/counts").json()
    assert body["total"] == 2
    assert body["counts"]["auto_reply"] == 2
    assert body["counts"]["duplicate"] == 0
    assert body["capped"] is False


def test_list_pages_newest_first_and_filters(admin_api, inbox, django_assert_max_num_queries):
    for n in range(5):
        auto_reply(inbox, n)
    with django_assert_max_num_queries(4):  # auth (token, agent), the page
        first = admin_api.get("/api/v1/held-mail", {"limit": 3}).json()
    assert [i["subject"] for i in first["items"]] == [f"Out of office {n}" for n in (4, 3, 2)]
    assert first["items"][0]["reason"] == "auto_reply"
    assert first["items"][0]["from_address"] == "dora4@customer.example"
    rest = admin_api.get("/api/v1/held-mail", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    found = admin_api.get("/api/v1/held-mail", {"q": "dora3"}).json()["items"]
    assert [i["subject"] for i in found] == ["Out of office 3"]
    assert admin_api.get("/api/v1/held-mail", {"reason": "bounce"}).json()["items"] == []


def test_bad_reason_or_cursor_is_a_clear_400_or_422(admin_api):
    assert admin_api.get("/api/v1/held-mail", {"cursor": "x"}).status_code == 400
    assert admin_api.get("/api/v1/held-mail", {"reason": "spam"}).status_code == 422


def test_release_is_idempotent(admin_api, inbox):
    raw = auto_reply(inbox)
    first = admin_api.post(f"/api/v1/held-mail/{raw.pk}/release")
    second = admin_api.post(f"/api/v1/held-mail/{raw.pk}/release")
    assert first.status_code == second.status_code == 200
    assert first.json()["created"] is True
    assert second.json()["created"] is False
    assert second.json()["message_id"] == first.json()["message_id"]
    assert Message.objects.count() == 1
    assert admin_api.get(f"/api/v1/held-mail/{raw.pk}").json()["released_at"] is not None


def test_unknown_held_mail_is_404(admin_api):
    assert admin_api.get("/api/v1/held-mail/999999").status_code == 404
    assert admin_api.post("/api/v1/held-mail/999999/release").status_code == 404


def test_agents_get_403(api, inbox):
    raw = auto_reply(inbox)
    assert api.get("/api/v1/held-mail").status_code == 403
    assert api.get("/api/v1/held-mail/counts").status_code == 403
    assert api.post(f"/api/v1/held-mail/{raw.pk}/release").status_code == 403
    assert not Message.objects.exists()


def test_conversations_say_and_filter_is_bulk(api, inbox):
    conversation_for(inbox, subject="List post", is_bulk=True)
    conversation_for(inbox, subject="Direct")
    everything = api.get("/api/v1/conversations").json()["items"]
    assert {c["subject"]: c["is_bulk"] for c in everything} == {"List post": True, "Direct": False}
    only = api.get("/api/v1/conversations", {"is_bulk": "true"}).json()["items"]
    assert [c["subject"] for c in only] == ["List post"]
    without = api.get("/api/v1/conversations", {"is_bulk": "false"}).json()["items"]
    assert [c["subject"] for c in without] == ["Direct"]


def test_counts_past_the_cap_say_so(admin_api, inbox, monkeypatch):
    from carefront.api.endpoints import held_mail as endpoint
    from carefront.inboxes import selectors

    monkeypatch.setattr(selectors, "HELD_COUNT_CAP", 2)
    monkeypatch.setattr(endpoint, "HELD_COUNT_CAP", 2)
    for n in range(3):
        auto_reply(inbox, n)
    body = admin_api.get("/api/v1/held-mail/counts").json()
    assert body["counts"]["auto_reply"] == 2
    assert body["capped"] is True
