"""Files attached by agents to replies and notes: limits, names, storage."""

import hashlib

import pytest
from django.core.files.base import ContentFile

from carefront.conversations.models import Attachment, Message
from carefront.conversations.services import (
    NewAttachment,
    conversation_add_note,
    conversation_reply,
)
from carefront.conversations.services.attachments import (
    MAX_FILES_PER_MESSAGE,
    clean_content_type,
    clean_filename,
)
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput

pytestmark = pytest.mark.django_db


def upload(data: bytes, filename: str = "file.txt", content_type: str = "text/plain"):
    return NewAttachment(
        filename=filename, content_type=content_type, file=ContentFile(data), size=len(data)
    )


def test_note_with_files_stores_them_content_addressed(inbox, agent):
    conversation = conversation_for(inbox)
    note = conversation_add_note(
        conversation=conversation,
        author=agent,
        body="Screenshots",
        attachments=[upload(b"same", "a.png", "image/png"), upload(b"same", "b.png", "image/png")],
    )
    rows = list(note.attachments.order_by("id"))
    digest = hashlib.sha256(b"same").hexdigest()
    assert [(a.filename, a.content_type, a.size, a.sha256) for a in rows] == [
        ("a.png", "image/png", 4, digest),
        ("b.png", "image/png", 4, digest),
    ]
    assert rows[0].file.name == rows[1].file.name == f"attachments/{digest[:2]}/{digest}"
    with rows[0].file.open("rb") as handle:
        assert handle.read() == b"same"


def test_a_file_over_the_limit_refuses_the_whole_reply(inbox, agent, settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "MAX_ATTACHMENT_BYTES": 10}
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput, match="at most 10 bytes"):
        conversation_reply(
            conversation=conversation,
            author=agent,
            body="Here",
            attachments=[upload(b"x" * 11)],
        )
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert not Attachment.objects.exists()


def test_files_over_the_message_limit_together_are_refused(inbox, agent, settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "MAX_MESSAGE_BYTES": 15}
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput, match="add up to 16 bytes"):
        conversation_add_note(
            conversation=conversation,
            author=agent,
            body="Here",
            attachments=[upload(b"x" * 8), upload(b"y" * 8)],
        )
    assert not Attachment.objects.exists()


def test_too_many_files_are_refused(inbox, agent):
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput, match=f"At most {MAX_FILES_PER_MESSAGE}"):
        conversation_add_note(
            conversation=conversation,
            author=agent,
            body="Here",
            attachments=[upload(b"x") for _ in range(MAX_FILES_PER_MESSAGE + 1)],
        )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\report.pdf", "report.pdf"),
        ("bad\x00name\n.txt", "badname.txt"),
        ("", "attachment"),
        ("...", "attachment"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_filenames_are_cleaned(given, expected):
    assert clean_filename(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("image/PNG", "image/png"),
        ("text/plain; charset=utf-8", "text/plain"),
        ("", "application/octet-stream"),
        ("nonsense", "application/octet-stream"),
        ("text/html\r\nX-Evil: 1", "application/octet-stream"),
    ],
)
def test_content_types_are_cleaned(given, expected):
    assert clean_content_type(given) == expected
