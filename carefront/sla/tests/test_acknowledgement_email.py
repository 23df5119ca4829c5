"""The acknowledgement really goes out: captured by a real SMTP server on loopback."""

import pytest

from carefront.conversations.models import DeliveryStatus, Direction, Message
from carefront.conversations.tests.factories import receive
from carefront.sla.models import Acknowledgement

pytestmark = pytest.mark.django_db


def test_the_acknowledgement_is_mailed_in_the_thread_marked_automatic(
    sink, inbox, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = receive(
            inbox,
            from_address="ana@example.com",
            from_name="Ana Lima",
            subject="Where is my parcel?",
            message_id="first@example.com",
            references=["<older@example.com>"],
        ).conversation

    [received] = sink.messages
    mail = received.message
    message = Message.objects.get(conversation=conversation, direction=Direction.OUTGOING)
    assert received.rcpt_tos == ["ana@example.com"]
    assert received.mail_from == inbox.email_address
    assert mail["Message-ID"] == f"<{message.message_id}>"
    assert mail["In-Reply-To"] == "<first@example.com>"
    assert mail["References"].split() == ["<older@example.com>", "<first@example.com>"]
    # RFC 3834: auto-responders must not answer it (and loops stop here).
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["Subject"] == f"Re: Where is my parcel? [cf:{conversation.reply_token}]"
    text = mail.get_body(("plain",)).get_content()
    assert "Hello Ana Lima," in text
    assert "We'll reply by " in text
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert Acknowledgement.objects.get(conversation=conversation).message_id == message.pk
