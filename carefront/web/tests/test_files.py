import pytest
from django.urls import reverse

from carefront.conversations.inbound import InboundAttachment
from carefront.conversations.models import Attachment, Message
from carefront.conversations.tests.factories import receive
from carefront.inboxes.models import RawInbound

pytestmark = pytest.mark.django_db


def _attachment(inbox, filename: str, content_type: str, data: bytes) -> Attachment:
    result = receive(inbox, attachments=[InboundAttachment(filename, content_type, data)])
    return Attachment.objects.get(message=result.message)


def _download(client, attachment):
    return client.get(reverse("web:attachment", args=[attachment.pk]))


def test_document_is_downloaded_as_attachment_with_nosniff(agent_client, inbox):
    attachment = _attachment(inbox, "report.html", "text/html", b"<script>alert(1)</script>")
    response = _download(agent_client, attachment)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="report.html"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_safe_image_is_shown_inline(agent_client, inbox):
    attachment = _attachment(inbox, "photo.png", "image/png", b"\x89PNG\r\n")
    response = _download(agent_client, attachment)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_svg_is_never_inline(agent_client, inbox):
    attachment = _attachment(inbox, "logo.svg", "image/svg+xml", b"<svg onload='x()'/>")
    response = _download(agent_client, attachment)
    assert response["Content-Disposition"].startswith("attachment;")


def test_missing_file_is_404_not_500(agent_client, inbox):
    attachment = _attachment(inbox, "gone.txt", "text/plain", b"gone for good")
    attachment.file.delete(save=False)
    assert _download(agent_client, attachment).status_code == 404


def test_raw_original_is_downloadable(agent_client, inbox):
    raw = RawInbound.objects.create(inbox=inbox, source="test", data=b"Subject: hi\r\n\r\nraw!")
    result = receive(inbox)
    Message.objects.filter(pk=result.message.pk).update(raw=raw)
    url = reverse("web:raw_message", args=[result.conversation.pk, result.message.pk])
    response = agent_client.get(url)
    assert response.content == b"Subject: hi\r\n\r\nraw!"
    assert (
        response["Content-Disposition"] == f'attachment; filename="message-{result.message.pk}.eml"'
    )


def test_raw_of_a_message_of_another_conversation_is_404(agent_client, inbox):
    raw = RawInbound.objects.create(inbox=inbox, source="test", data=b"x")
    first = receive(inbox)
    second = receive(inbox)
    Message.objects.filter(pk=first.message.pk).update(raw=raw)
    url = reverse("web:raw_message", args=[second.conversation.pk, first.message.pk])
    assert agent_client.get(url).status_code == 404
