"""What Carefront sends, captured by a real SMTP server on loopback."""

import pytest

from carefront.conversations.models import DeliveryStatus, OutboxStatus
from carefront.conversations.services import conversation_reply
from carefront.conversations.tests.factories import receive
from carefront.inboxes.email.outbound import build_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(inbox):
    return receive(
        inbox,
        from_address="ana@example.com",
        from_name="Ana Lima",
        subject="My order is late",
        message_id="first@example.com",
        references=["<older@example.com>"],
    ).conversation


def reply(conversation, agent, django_capture_on_commit_callbacks, body="We are on it."):
    with django_capture_on_commit_callbacks(execute=True):
        return conversation_reply(conversation=conversation, author=agent, body=body)


def test_reply_is_delivered_with_threading_headers(
    sink, conversation, agent, django_capture_on_commit_callbacks
):
    message = reply(conversation, agent, django_capture_on_commit_callbacks)

    [received] = sink.messages
    mail = received.message
    assert mail["Message-ID"] == f"<{message.message_id}>"
    assert mail["In-Reply-To"] == "<first@example.com>"
    assert mail["References"].split() == ["<older@example.com>", "<first@example.com>"]
    assert received.rcpt_tos == ["ana@example.com"]


def test_reply_to_carries_the_conversation_token(
    sink, conversation, agent, inbox, django_capture_on_commit_callbacks
):
    reply(conversation, agent, django_capture_on_commit_callbacks)

    mail = sink.messages[0].message
    local, domain = inbox.email_address.split("@")
    assert mail["Reply-To"] == f"{local}+cf-{conversation.reply_token}@{domain}"


def test_subject_is_a_reply_with_the_token(
    sink, conversation, agent, django_capture_on_commit_callbacks
):
    reply(conversation, agent, django_capture_on_commit_callbacks)

    subject = sink.messages[0].message["Subject"]
    assert subject == f"Re: My order is late [cf:{conversation.reply_token}]"


def test_from_is_the_inbox_with_its_sender_name(
    sink, conversation, agent, inbox, django_capture_on_commit_callbacks
):
    reply(conversation, agent, django_capture_on_commit_callbacks)

    received = sink.messages[0]
    assert received.message["From"] == f"Carefront Support <{inbox.email_address}>"
    assert received.mail_from == inbox.email_address


def test_email_body_is_the_stored_text_and_adds_no_signature(
    sink, conversation, agent, django_capture_on_commit_callbacks
):
    # The composer puts the signature into the text; the email must not add it a second time.
    agent.signature = "Sam\nCustomer Care"
    agent.save()

    message = reply(conversation, agent, django_capture_on_commit_callbacks, body="Shipped today.")

    body = sink.messages[0].message.get_content().replace("\r\n", "\n")
    assert body.rstrip("\n") == message.body_text == "Shipped today."


def test_delivered_reply_is_marked_sent(
    sink, conversation, agent, django_capture_on_commit_callbacks
):
    message = reply(conversation, agent, django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert message.outbox_entry.status == OutboxStatus.SENT
    assert message.outbox_entry.sent_at is not None


def test_inbox_without_address_sends_from_the_default_sender(conversation, agent, settings):
    settings.DEFAULT_FROM_EMAIL = "help@carefront.test"
    inbox = conversation.inbox
    inbox.email_address = None
    inbox.save()
    message = conversation_reply(conversation=conversation, author=agent, body="Hello")

    email = build_email(message)

    assert email.from_email == "Carefront Support <help@carefront.test>"
    assert email.reply_to == [f"help+cf-{conversation.reply_token}@carefront.test"]


def test_reply_attachments_are_sent_with_the_email(
    sink, conversation, agent, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from carefront.conversations.services import NewAttachment

    pdf = b"%PDF-1.4 invoice"
    with django_capture_on_commit_callbacks(execute=True):
        message = conversation_reply(
            conversation=conversation,
            author=agent,
            body="Your invoice is attached.",
            attachments=[
                NewAttachment(
                    filename="invoice.pdf",
                    content_type="application/pdf",
                    file=ContentFile(pdf),
                    size=len(pdf),
                ),
                NewAttachment(
                    filename="notes.txt",
                    content_type="text/plain",
                    file=ContentFile(b"line one\n"),
                    size=9,
                ),
            ],
        )
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    mail = sink.messages[0].message
    parts = {part.get_filename(): part for part in mail.iter_attachments()}
    assert set(parts) == {"invoice.pdf", "notes.txt"}
    assert parts["invoice.pdf"].get_content_type() == "application/pdf"
    assert parts["invoice.pdf"].get_content() == pdf
    assert "Your invoice is attached." in mail.get_body(("plain",)).get_content()


def test_a_reply_whose_file_vanished_is_retried_not_sent_without_it(
    sink, conversation, agent, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from carefront.conversations.services import NewAttachment

    data = b"only copy " * 10
    upload = NewAttachment(
        filename="gone.bin", content_type="", file=ContentFile(data), size=len(data)
    )
    with django_capture_on_commit_callbacks(execute=True):
        # The file is deleted before the task runs (after commit).
        message = conversation_reply(
            conversation=conversation, author=agent, body="Here.", attachments=[upload]
        )
        default_storage.delete(message.attachments.get().file.name)
    message.refresh_from_db()
    assert sink.messages == []
    assert message.delivery_status == DeliveryStatus.RETRYING
    assert message.outbox_entry.status == OutboxStatus.PENDING
