"""Hostile and broken input: each case has a defined outcome, and nothing is lost or raised."""

import base64
import io
import logging
import os
import random
import zipfile

import pytest

from carefront.conversations.models import Attachment, Conversation, Message
from carefront.inboxes.email import parsing
from carefront.inboxes.models import RawInbound, RawStatus
from carefront.inboxes.services import email_ingest

pytestmark = pytest.mark.django_db

HEAD = "From: Ana <ana@example.com>\r\nTo: support@carefront.test\r\nSubject: {subject}\r\n"


def _with_attachment(name: str, ctype: str, data: bytes) -> bytes:
    encoded = base64.encodebytes(data)
    return (
        HEAD.format(subject="file").encode()
        + b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        + f"--b\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n".encode()
        + f'Content-Disposition: attachment; filename="{name}"\r\n\r\n'.encode()
        + encoded
        + b"\r\n--b--\r\n"
    )


def test_multipart_without_boundary_is_shown_as_text_with_warning(inbox):
    data = HEAD.format(subject="nb").encode() + b"Content-Type: multipart/mixed\r\n\r\nbody text"
    result = email_ingest(inbox=inbox, data=data, source="t")
    assert result.status == RawStatus.PROCESSED
    assert "body text" in result.message.body_text
    assert "boundary" in result.message.parse_warning


def test_truncated_multipart_keeps_what_arrived_with_warning(inbox):
    data = _with_attachment("a.pdf", "application/pdf", b"%PDF" * 100)[:-60]
    result = email_ingest(inbox=inbox, data=data, source="t")
    assert result.status == RawStatus.PROCESSED
    assert result.message.body_text.startswith("see attached")
    assert "cut off" in result.message.parse_warning


def test_30_mb_attachment_is_stored(inbox):
    payload = os.urandom(30 * 1024 * 1024)
    result = email_ingest(
        inbox=inbox,
        data=_with_attachment("big.bin", "application/octet-stream", payload),
        source="t",
    )
    assert result.status == RawStatus.PROCESSED
    attachment = Attachment.objects.get(message=result.message)
    assert attachment.size == len(payload)
    with attachment.file.open("rb") as handle:
        assert handle.read() == payload


def test_zip_bomb_is_stored_as_is_and_never_opened(inbox, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.txt", b"\0" * (50 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 100_000

    def refuse(*args, **kwargs):
        raise AssertionError("an attachment was decompressed")

    monkeypatch.setattr(zipfile, "ZipFile", refuse)
    result = email_ingest(
        inbox=inbox, data=_with_attachment("bomb.zip", "application/zip", bomb), source="t"
    )
    attachment = Attachment.objects.get(message=result.message)
    assert attachment.size == len(bomb)
    with attachment.file.open("rb") as handle:
        assert handle.read() == bomb


def test_hostile_html_is_sanitised(inbox):
    html = (
        "<script>steal()</script><style>body{}</style>"
        '<p onmouseover="steal()" style="x">hi</p><a href="javascript:steal()">x</a>'
        '<iframe src="https://evil.test"></iframe><img src=x onerror="steal()">'
        '<svg onload="steal()"></svg><form action="https://evil.test"><input></form>'
    )
    data = HEAD.format(subject="h").encode() + b"Content-Type: text/html\r\n\r\n" + html.encode()
    body = email_ingest(inbox=inbox, data=data, source="t").message.body_html
    for forbidden in ("script", "style", "onmouseover", "javascript", "iframe", "onerror", "svg"):
        assert forbidden not in body
    assert "form" not in body and "<input" not in body
    assert "<p>hi</p>" in body


def test_subject_of_10000_characters_is_cut_for_the_conversation_only(inbox):
    subject = "S" * 10_000
    result = email_ingest(
        inbox=inbox, data=HEAD.format(subject=subject).encode() + b"\r\nx", source="t"
    )
    assert len(result.conversation.subject) == 255
    assert result.conversation.subject.endswith("…")
    assert Message.objects.get().subject == subject


def test_message_over_the_limit_is_kept_raw_and_rejected(inbox, settings, caplog):
    settings.CAREFRONT = {**settings.CAREFRONT, "MAX_MESSAGE_BYTES": 10_000}
    data = HEAD.format(subject="big").encode() + b"\r\n" + b"x" * 20_000
    with caplog.at_level(logging.WARNING):
        result = email_ingest(inbox=inbox, data=data, source="smtp", source_ref="q1")
    assert result.status == RawStatus.REJECTED
    assert bytes(RawInbound.objects.get().data) == data
    assert "over MAX_MESSAGE_BYTES" in caplog.text
    assert not Message.objects.exists()


def test_binary_garbage_is_stored_with_a_warning(inbox):
    garbage = bytes(range(256)) * 40
    result = email_ingest(inbox=inbox, data=garbage, source="t")
    assert result.status == RawStatus.PROCESSED
    message = result.message
    assert message.parse_warning
    assert "\x00" not in message.body_text
    assert message.body_text


def test_empty_input_is_kept_raw_and_rejected(inbox):
    result = email_ingest(inbox=inbox, data=b"", source="t")
    assert result.status == RawStatus.REJECTED
    assert result.error == "The message is empty."
    assert RawInbound.objects.get().status == RawStatus.REJECTED
    assert not Conversation.objects.exists()


def test_nul_bytes_are_stripped_from_every_text_field(inbox):
    data = (
        b"From: A\x00na <ana@example.com>\r\nTo: support@carefront.test\r\n"
        b"Subject: Nul\x00 here\r\nContent-Type: text/html\r\n\r\n<p>te\x00xt</p>"
    )
    result = email_ingest(inbox=inbox, data=data, source="t")
    assert result.status == RawStatus.PROCESSED
    message = Message.objects.get()
    for value in (message.subject, message.body_text, message.body_html, message.from_name):
        assert "\x00" not in value
    assert message.subject == "Nul here"
    assert message.body_text == "text"


def test_parser_crash_still_stores_the_message_as_raw_text(inbox, monkeypatch):
    def crash(data):
        raise RuntimeError("parser bug")

    monkeypatch.setattr("carefront.inboxes.services.parse_email", crash)
    data = (
        b"From: Ana <ana@example.com>\r\nSubject: Help\r\nMessage-ID: <c1@example.com>\r\n\r\nbody"
    )
    result = email_ingest(inbox=inbox, data=data, source="t")
    assert result.status == RawStatus.PROCESSED
    message = result.message
    assert message.subject == "Help"
    assert message.from_address == "ana@example.com"
    assert "body" in message.body_text
    assert "parser bug" in message.parse_warning


def test_database_refusal_is_recorded_as_failed_and_the_next_message_still_works(
    inbox, monkeypatch
):
    import carefront.inboxes.services as services

    real = services.message_receive
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "message_receive", flaky)
    failed = email_ingest(
        inbox=inbox, data=HEAD.format(subject="a").encode() + b"\r\nx", source="t"
    )
    assert failed.status == RawStatus.FAILED
    assert "database went away" in failed.error
    ok = email_ingest(inbox=inbox, data=HEAD.format(subject="b").encode() + b"\r\ny", source="t")
    assert ok.status == RawStatus.PROCESSED


def test_deeply_nested_multiparts_do_not_crash(inbox):
    depth = 200
    parts = b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(depth)
    )
    data = HEAD.format(subject="deep").encode() + parts + b"Content-Type: text/plain\r\n\r\nx"
    result = email_ingest(inbox=inbox, data=data, source="t")
    assert result.status == RawStatus.PROCESSED


def test_parse_email_never_raises_on_random_bytes():
    for seed in range(50):
        data = random.Random(seed).randbytes(200 + seed * 37)
        parsing.parse_email(data)
