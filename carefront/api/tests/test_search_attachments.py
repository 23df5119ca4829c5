"""Search, attachment metadata and download, and files sent with replies and notes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carefront.conversations.inbound import InboundAttachment
from carefront.conversations.models import Attachment, DeliveryStatus, Message
from carefront.conversations.tests.factories import conversation_for, receive
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db


# Search -----------------------------------------------------------------------------------------


def test_search_finds_words_in_the_callers_inboxes_only(api, inbox):
    mine = conversation_for(inbox, body_text="The blue kettle leaks.")
    conversation_for(InboxFactory(), body_text="My blue kettle leaks too.")
    conversation_for(inbox, body_text="Nothing to see")
    body = api.get("/api/v1/search", {"q": "blue kettle"}).json()
    assert [c["id"] for c in body["items"]] == [mine.pk]
    assert body["items"][0]["customer"]["email"] == mine.customer.email
    assert body["next_cursor"] is None


def test_search_pages_through_the_results(api, inbox):
    made = {conversation_for(inbox, body_text=f"refund request {i}").pk for i in range(5)}
    seen, cursor, pages = [], None, 0
    while True:
        params = {"q": "refund", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/search", params).json()
        seen += [c["id"] for c in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(made)


def test_search_cursor_for_another_query_or_list_is_400(api, inbox):
    for i in range(3):
        conversation_for(inbox, body_text=f"refund {i}")
    cursor = api.get("/api/v1/search", {"q": "refund", "limit": 1}).json()["next_cursor"]
    assert api.get("/api/v1/search", {"q": "other", "cursor": cursor}).status_code == 400
    list_cursor = api.get("/api/v1/conversations", {"limit": 1}).json()["next_cursor"]
    assert api.get("/api/v1/search", {"q": "refund", "cursor": list_cursor}).status_code == 400
    assert api.get("/api/v1/conversations", {"cursor": cursor}).status_code == 400


def test_search_needs_a_query(api):
    assert api.get("/api/v1/search").status_code == 422
    assert api.get("/api/v1/search", {"q": ""}).status_code == 422


def test_search_with_only_symbols_finds_nothing(api, conversation):
    response = api.get("/api/v1/search", {"q": '"*" AND ) NEAR('})
    assert response.status_code == 200
    assert response.json()["items"] == []


# Attachments ------------------------------------------------------------------------------------


@pytest.fixture
def attachment(inbox):
    receive(
        inbox,
        from_address="ana@example.com",
        attachments=[
            InboundAttachment(
                filename="page.html", content_type="text/html", data=b"<script>alert(1)</script>"
            )
        ],
    )
    return Attachment.objects.get()


def test_attachment_metadata(api, attachment):
    body = api.get(f"/api/v1/attachments/{attachment.pk}").json()
    assert body["filename"] == "page.html"
    assert body["content_type"] == "text/html"
    assert body["size"] == 25
    assert body["conversation_id"] == attachment.message.conversation_id
    assert body["download_url"] == f"/api/v1/attachments/{attachment.pk}/download"


def test_download_is_a_safe_attachment(api, attachment):
    response = api.get(f"/api/v1/attachments/{attachment.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="page.html"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_attachment_of_another_inbox_is_404(outsider_api, attachment):
    for url in (
        f"/api/v1/attachments/{attachment.pk}",
        f"/api/v1/attachments/{attachment.pk}/download",
    ):
        response = outsider_api.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Attachment not found.", "code": "not_found"}


def test_missing_file_is_404_json(api, attachment):
    attachment.file.storage.delete(attachment.file.name)
    response = api.get(f"/api/v1/attachments/{attachment.pk}/download")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# Uploads with replies and notes -----------------------------------------------------------------


def test_reply_with_files_as_multipart(api, conversation, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/conversations/{conversation.pk}/replies",
            {
                "body": "Here is your label.",
                "status": "pending",
                "files": [
                    SimpleUploadedFile("label.pdf", b"%PDF label", "application/pdf"),
                    SimpleUploadedFile("howto.txt", b"Print it.", "text/plain"),
                ],
            },
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(a["filename"], a["size"]) for a in body["attachments"]] == [
        ("label.pdf", 10),
        ("howto.txt", 9),
    ]
    assert api.get(f"/api/v1/conversations/{conversation.pk}").json()["status"] == "pending"
    message = Message.objects.get(pk=body["id"])
    assert message.delivery_status == DeliveryStatus.SENT
    [sent] = mail.outbox
    assert sorted(a.filename for a in sent.attachments) == ["howto.txt", "label.pdf"]
    download = api.get(body["attachments"][0]["download_url"])
    assert b"".join(download.streaming_content) == b"%PDF label"


def test_note_with_a_file_as_multipart(api, conversation):
    response = api.post(
        f"/api/v1/conversations/{conversation.pk}/notes",
        {
            "body": "Photo of the damage",
            "files": SimpleUploadedFile("dmg.jpg", b"\xff\xd8", "image/jpeg"),
        },
    )
    assert response.status_code == 201
    assert response.json()["attachments"][0]["content_type"] == "image/jpeg"


def test_multipart_without_a_body_is_422(api, conversation):
    response = api.post(
        f"/api/v1/conversations/{conversation.pk}/notes",
        {"files": SimpleUploadedFile("a.txt", b"x")},
    )
    assert response.status_code == 422
    assert ["form", "body"] in [e["loc"] for e in response.json()["errors"]]
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_400_and_nothing_is_stored(api, conversation, settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "MAX_ATTACHMENT_BYTES": 4}
    response = api.post(
        f"/api/v1/conversations/{conversation.pk}/replies",
        {"body": "Big", "files": SimpleUploadedFile("big.bin", b"12345")},
    )
    assert response.status_code == 400
    assert "at most 4 bytes" in response.json()["detail"]
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_a_request_over_the_message_limit_is_413(api, conversation, settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "MAX_MESSAGE_BYTES": 0}
    payload = b"x" * (1024 * 1024 + 10)
    response = api.post(
        f"/api/v1/conversations/{conversation.pk}/replies",
        {"body": "Big", "files": SimpleUploadedFile("big.bin", payload)},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_files_under_another_field_name_are_refused(api, conversation):
    response = api.post(
        f"/api/v1/conversations/{conversation.pk}/notes",
        {"body": "x", "attachment": SimpleUploadedFile("a.txt", b"x")},
    )
    assert response.status_code == 400
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_json_body_still_works_and_bad_json_is_400(api, conversation):
    url = f"/api/v1/conversations/{conversation.pk}/notes"
    assert api.post(url, {"body": "JSON note"}, "application/json").status_code == 201
    assert api.post(url, "[1, 2", "application/json").status_code == 400
    assert api.post(url, [1, 2], "application/json").status_code == 422
