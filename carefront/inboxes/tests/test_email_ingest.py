import logging

import pytest

from carefront.conversations.models import Conversation, Message
from carefront.conversations.services import Outcome
from carefront.inboxes.models import RawInbound, RawStatus
from carefront.inboxes.services import email_ingest, emails_ingest, raw_inbound_retry
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db


def make_email(
    *,
    to: str = "support@carefront.test",
    message_id: str = "<m1@example.com>",
    subject: str = "Where is my order?",
    body: str = "Hello, my order has not arrived.",
    extra: str = "",
) -> bytes:
    return (
        f"From: Ana Lima <ana@example.com>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\nDate: Mon, 03 Mar 2025 10:00:00 +0000\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def test_email_becomes_a_conversation_and_raw_is_processed(inbox):
    result = email_ingest(inbox=inbox, data=make_email(), source="test", source_ref="a.eml")
    assert result.status == RawStatus.PROCESSED
    assert result.outcome == Outcome.CREATED
    assert result.conversation.subject == "Where is my order?"
    assert result.message.body_text.startswith("Hello, my order")
    raw = RawInbound.objects.get(pk=result.raw.pk)
    assert raw.status == RawStatus.PROCESSED
    assert raw.processed_at is not None
    assert bytes(raw.data) == make_email()
    assert result.message.raw_id == raw.pk


def test_same_email_twice_is_marked_duplicate(inbox):
    email_ingest(inbox=inbox, data=make_email(), source="test")
    again = email_ingest(inbox=inbox, data=make_email(), source="test")
    assert again.status == RawStatus.DUPLICATE
    assert Message.objects.count() == 1
    assert RawInbound.objects.count() == 2


def test_email_without_message_id_imported_twice_is_a_duplicate(inbox):
    data = make_email().replace(b"Message-ID: <m1@example.com>\r\n", b"")
    email_ingest(inbox=inbox, data=data, source="test")
    again = email_ingest(inbox=inbox, data=data, source="test")
    assert again.status == RawStatus.DUPLICATE
    assert Message.objects.count() == 1


def test_inbox_is_chosen_from_recipient(db):
    InboxFactory(email_address="sales@carefront.test")
    help_inbox = InboxFactory(email_address="help@carefront.test")
    result = email_ingest(inbox=None, data=make_email(to="Help <Help@carefront.test>"), source="t")
    assert result.conversation.inbox == help_inbox
    assert RawInbound.objects.get().inbox == help_inbox


def test_inbox_is_chosen_from_plus_addressed_reply_address(db):
    InboxFactory(email_address="sales@carefront.test")
    help_inbox = InboxFactory(email_address="help@carefront.test")
    data = make_email(to="help+cf-0123456789abcdef@carefront.test")
    assert email_ingest(inbox=None, data=data, source="t").conversation.inbox == help_inbox


def test_inbox_is_chosen_from_delivered_to(db):
    InboxFactory(email_address="sales@carefront.test")
    help_inbox = InboxFactory(email_address="help@carefront.test")
    data = make_email(to="list@example.org", extra="Delivered-To: help@carefront.test\r\n")
    assert email_ingest(inbox=None, data=data, source="t").conversation.inbox == help_inbox


def test_first_active_email_inbox_takes_mail_for_unknown_recipients(db):
    InboxFactory(email_address="old@carefront.test", is_active=False)
    first = InboxFactory(email_address="first@carefront.test")
    InboxFactory(email_address="second@carefront.test")
    result = email_ingest(inbox=None, data=make_email(to="x@elsewhere.test"), source="t")
    assert result.conversation.inbox == first


def test_without_any_inbox_the_raw_email_is_kept_as_failed(db):
    result = email_ingest(inbox=None, data=make_email(), source="t")
    assert result.status == RawStatus.FAILED
    assert "no active email inbox" in result.error
    assert RawInbound.objects.get().status == RawStatus.FAILED


def test_failed_raw_email_can_be_retried(db):
    failed = email_ingest(inbox=None, data=make_email(), source="t")
    inbox = InboxFactory(email_address="support@carefront.test")
    result = raw_inbound_retry(raw_id=failed.raw.pk)
    assert result.status == RawStatus.PROCESSED
    assert result.conversation.inbox == inbox
    assert RawInbound.objects.get().status == RawStatus.PROCESSED


def test_oversized_email_is_kept_raw_and_rejected_with_a_log_line(inbox, settings, caplog):
    settings.CAREFRONT = {**settings.CAREFRONT, "MAX_MESSAGE_BYTES": 1000}
    data = make_email(body="x" * 2000)
    with caplog.at_level(logging.WARNING, logger="carefront.inboxes.services"):
        result = email_ingest(inbox=inbox, data=data, source="t", source_ref="big.eml")
    assert result.status == RawStatus.REJECTED
    raw = RawInbound.objects.get()
    assert bytes(raw.data) == data
    assert raw.status == RawStatus.REJECTED
    assert "over the 1000 byte limit" in raw.error
    assert "big.eml" in caplog.text
    assert "MAX_MESSAGE_BYTES" in caplog.text
    assert not Conversation.objects.exists()


def test_emails_ingest_stores_a_batch_in_order_with_raw_statuses(inbox):
    emails = [
        (make_email(message_id="<b2@example.com>", extra="In-Reply-To: <b1@example.com>\r\n"), "2"),
        (make_email(message_id="<b1@example.com>"), "1"),
        (make_email(message_id="<b1@example.com>"), "1-again"),
        (b"", "empty"),
    ]
    results = emails_ingest(inbox=inbox, emails=emails, source="test")
    assert [r.status for r in results] == [
        RawStatus.PROCESSED,
        RawStatus.PROCESSED,
        RawStatus.DUPLICATE,
        RawStatus.REJECTED,
    ]
    assert results[0].conversation.pk == results[1].conversation.pk
    stored = dict(RawInbound.objects.values_list("source_ref", "status"))
    assert stored == {
        "2": "processed",
        "1": "processed",
        "1-again": "duplicate",
        "empty": "rejected",
    }


def test_emails_ingest_falls_back_to_one_by_one_when_the_batch_fails(inbox, monkeypatch):
    from carefront.inboxes import services

    def broken(**kwargs):
        raise RuntimeError("batch failed")

    monkeypatch.setattr(services, "messages_receive", broken)
    emails = [(make_email(message_id=f"<f{i}@example.com>"), str(i)) for i in range(3)]
    results = emails_ingest(inbox=inbox, emails=emails, source="test")
    assert [r.status for r in results] == [RawStatus.PROCESSED] * 3
    assert Message.objects.count() == 3
