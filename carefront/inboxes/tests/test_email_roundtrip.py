"""End to end over real SMTP: customer mail in, agent reply out, customer reply threads back."""

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from carefront.conversations.models import Conversation, Direction, Message
from carefront.conversations.services import conversation_reply
from carefront.inboxes.email.smtp_receiver import smtp_receiver_controller
from carefront.inboxes.models import Inbox
from tests.support.mail import email_bytes

# Receiver threads store the mail; the reply's delivery task runs after commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver(inbox, loopback_port):
    controller = smtp_receiver_controller(host="127.0.0.1", port=loopback_port)
    controller.start()
    yield controller
    controller.stop()


def send(receiver, raw: bytes, to: str) -> None:
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=10) as client:
        assert client.sendmail("ana@example.com", [to], raw) == {}


def customer_reply_to(outbound: EmailMessage, *, to: str, with_references: bool = True) -> bytes:
    reply = EmailMessage()
    reply["From"] = "Ana Lima <ana@example.com>"
    reply["To"] = to
    reply["Subject"] = f"Re: {outbound['Subject']}"
    reply["Message-ID"] = make_msgid("ana", domain="example.com")
    reply["In-Reply-To"] = outbound["Message-ID"]
    if with_references:
        reply["References"] = f"{outbound['References']} {outbound['Message-ID']}"
    reply.set_content("Thanks! It arrived.\n\n> We are on it.")
    return reply.as_bytes()


@pytest.fixture
def outbound(receiver, sink, inbox, agent):
    """The customer wrote in; an agent answered; this is the answer as it left Carefront."""
    # Only the agent's answer: no acknowledgement before it (carefront/sla has its own tests).
    Inbox.objects.filter(pk=inbox.pk).update(send_acknowledgement=False)
    send(
        receiver,
        email_bytes(
            to=inbox.email_address, subject="Parcel missing", from_address="ana@example.com"
        ),
        inbox.email_address,
    )
    conversation = Conversation.objects.get()
    conversation_reply(conversation=conversation, author=agent, body="We are on it.")
    [received] = sink.messages
    return received.message


def test_customer_reply_through_the_reply_to_address_threads(receiver, inbox, outbound):
    send(receiver, customer_reply_to(outbound, to=outbound["Reply-To"]), outbound["Reply-To"])

    conversation = Conversation.objects.get()
    assert conversation.message_count == 3
    assert list(
        Message.objects.filter(conversation=conversation)
        .order_by("created_at", "id")
        .values_list("direction", flat=True)
    ) == [Direction.INCOMING, Direction.OUTGOING, Direction.INCOMING]


def test_customer_reply_with_only_in_reply_to_threads(receiver, inbox, outbound):
    # Some clients drop References and answer the plain address, with a fresh subject.
    raw = customer_reply_to(outbound, to=inbox.email_address, with_references=False)
    raw = raw.replace(outbound["Subject"].encode(), b"something else")

    send(receiver, raw, inbox.email_address)

    assert Conversation.objects.count() == 1
    assert Conversation.objects.get().message_count == 3
