"""The "Held mail" pages of the admin area: list (reasons, counts, search, pages), one message
(sanitised), its .eml, and release."""

import pytest
from django.urls import reverse

from carefront.conversations.models import Message
from carefront.inboxes.models import HoldReason, RawInbound
from carefront.inboxes.services import email_ingest

pytestmark = pytest.mark.django_db

LIST_URL = reverse("web:manage_held_mail")


def auto_reply(inbox, n: int = 0, body: str = "I am away until Monday.") -> RawInbound:
    data = (
        f"From: Dora Lee <dora{n}@customer.example>\r\nTo: {inbox.email_address}\r\n"
        f"Subject: Out of office {n}\r\nMessage-ID: <oof-{n}@customer.example>\r\n"
        "Auto-Submitted: auto-replied\r\nDate: Tue, 04 Mar 2025 09:15:00 +0000\r\n\r\n"
        f"{body}\r\n"
    ).encode()
    return email_ingest(inbox=inbox, data=data, source="test").raw


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_shows_reason_sender_subject_and_counts(admin_client, inbox):
    auto_reply(inbox)
    html = admin_client.get(LIST_URL).content.decode()
    assert "Out of office 0" in html
    assert "dora0@customer.example" in html
    assert "Auto-reply to no conversation" in html
    assert 'data-reason="auto_reply">Auto-reply to no conversation <span class="count">1' in html


def test_the_manage_area_links_to_held_mail(admin_client):
    html = admin_client.get(reverse("web:manage_teams")).content.decode()
    assert f'href="{LIST_URL}"' in html


def test_the_list_costs_the_same_queries_for_3_or_60_rows(admin_client, inbox):
    for n in range(3):
        auto_reply(inbox, n)
    admin_client.get(LIST_URL)  # fills the cache behind the bell's unread count
    small = _queries(admin_client, LIST_URL)
    for n in range(3, 60):
        auto_reply(inbox, n)
    assert _queries(admin_client, LIST_URL) == small
    page = admin_client.get(LIST_URL)
    assert len(page.context["rows"]) == 50
    second = admin_client.get(LIST_URL, {"cursor": page.context["next_cursor"]})
    assert len(second.context["rows"]) == 10
    assert second.context["next_cursor"] is None


def test_search_and_reason_filter(admin_client, inbox):
    auto_reply(inbox, 1)
    auto_reply(inbox, 2)
    rows = admin_client.get(LIST_URL, {"q": "dora2@"}).context["rows"]
    assert [r.subject for r in rows] == ["Out of office 2"]
    assert admin_client.get(LIST_URL, {"reason": "duplicate"}).context["rows"] == []


def test_a_bad_cursor_is_a_400(admin_client):
    assert admin_client.get(LIST_URL, {"cursor": "nope"}).status_code == 400


def test_a_held_message_is_shown_as_text_never_as_html(admin_client, inbox):
    data = (
        f"From: x@example.com\r\nTo: {inbox.email_address}\r\nSubject: Auto: hi\r\n"
        "Auto-Submitted: auto-generated\r\nContent-Type: text/html\r\n\r\n"
        "<p>Away</p><script>alert('x')</script><img src=x onerror=alert(1)>\r\n"
    ).encode()
    raw = email_ingest(inbox=inbox, data=data, source="test").raw
    response = admin_client.get(reverse("web:manage_held_mail_item", args=[raw.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "onerror=alert" not in html
    assert "Away" in html
    assert "Release into a conversation" in html


def test_the_eml_download_is_the_original_bytes(admin_client, inbox):
    raw = auto_reply(inbox)
    response = admin_client.get(reverse("web:manage_held_mail_download", args=[raw.pk]))
    assert response.status_code == 200
    assert response.content == bytes(RawInbound.objects.get(pk=raw.pk).data)
    assert response["Content-Disposition"] == f'attachment; filename="held-{raw.pk}.eml"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_release_is_a_post_and_shows_the_message_in_its_conversation(admin_client, inbox):
    raw = auto_reply(inbox)
    url = reverse("web:manage_held_mail_release", args=[raw.pk])
    assert admin_client.get(url).status_code == 405

    first = admin_client.post(url)
    second = admin_client.post(url)

    message = Message.objects.get()
    target = reverse("web:conversation", args=[message.conversation_id])
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"{target}#message-{message.pk}"
    conversation_html = admin_client.get(target).content.decode()
    assert "I am away until Monday." in conversation_html
    detail = admin_client.get(reverse("web:manage_held_mail_item", args=[raw.pk]))
    assert "Released on" in detail.content.decode()
    assert not detail.context["can_release"]


def test_a_duplicate_links_to_the_message_already_shown(admin_client, inbox):
    data = (
        f"From: ana@example.com\r\nTo: {inbox.email_address}\r\nSubject: Order\r\n"
        "Message-ID: <dup-1@example.com>\r\n\r\nWhere is it?\r\n"
    ).encode()
    email_ingest(inbox=inbox, data=data, source="test")
    raw = email_ingest(inbox=inbox, data=data, source="test").raw
    assert raw.hold_reason == HoldReason.DUPLICATE
    html = admin_client.get(reverse("web:manage_held_mail_item", args=[raw.pk])).content.decode()
    assert "already shown in a conversation" in html
    assert "Mark as shown" in html


def test_a_row_that_is_not_held_is_not_found(admin_client, inbox):
    raw = RawInbound.objects.create(inbox=inbox, source="test", data=b"x", status="processed")
    assert admin_client.get(reverse("web:manage_held_mail_item", args=[raw.pk])).status_code == 404


def test_agents_cannot_see_held_mail(agent_client, inbox):
    raw = auto_reply(inbox)
    assert agent_client.get(LIST_URL).status_code == 403
    assert agent_client.get(reverse("web:manage_held_mail_item", args=[raw.pk])).status_code == 403
    release = agent_client.post(reverse("web:manage_held_mail_release", args=[raw.pk]))
    assert release.status_code == 403
    assert not Message.objects.exists()


def test_big_counts_are_shown_as_at_least(admin_client, inbox, monkeypatch):
    from carefront.inboxes import selectors
    from carefront.web.views import held_mail as view

    monkeypatch.setattr(selectors, "HELD_COUNT_CAP", 2)
    monkeypatch.setattr(view, "HELD_COUNT_CAP", 2)
    for n in range(3):
        auto_reply(inbox, n)
    html = admin_client.get(LIST_URL).content.decode()
    assert 'data-reason="auto_reply">Auto-reply to no conversation <span class="count">2+' in html
