"""The SMTP/LMTP receiver, driven by real clients: smtplib and swaks."""

import shutil
import smtplib
import subprocess

import pytest

from carefront.conversations.models import Conversation, Message
from carefront.inboxes.email import smtp_receiver as receiver_module
from carefront.inboxes.email.smtp_receiver import base_address, smtp_receiver_controller
from carefront.inboxes.models import RawInbound
from tests.support.dovecot import require_peer
from tests.support.mail import email_bytes

# The receiver stores mail from its own threads: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver(inbox, loopback_port):
    controller = smtp_receiver_controller(host="127.0.0.1", port=loopback_port)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def lmtp_receiver(inbox, loopback_port):
    controller = smtp_receiver_controller(host="127.0.0.1", port=loopback_port, lmtp=True)
    controller.start()
    yield controller
    controller.stop()


def test_plus_address_belongs_to_the_base_inbox_address():
    assert base_address("<Support+cf-0123456789abcdef@Example.COM>") == "support@example.com"


def test_smtplib_message_becomes_a_conversation(receiver, inbox):
    raw = email_bytes(to=inbox.email_address, subject="Where is my parcel?")
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=10) as client:
        refused = client.sendmail("ana@example.com", [inbox.email_address], raw)

    assert refused == {}
    conversation = Conversation.objects.get()
    assert conversation.subject == "Where is my parcel?"
    assert conversation.inbox == inbox
    assert RawInbound.objects.get().source == "smtp"


def test_swaks_message_becomes_a_conversation(receiver, inbox):
    swaks = require_peer("swaks (apt: swaks)", shutil.which("swaks"))
    completed = subprocess.run(
        [
            swaks,
            "--server",
            f"{receiver.hostname}:{receiver.port}",
            "--from",
            "bruno@example.com",
            "--to",
            inbox.email_address,
            "--header",
            "Subject: Refund for order 1234",
            "--body",
            "Please refund my order.",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    message = Message.objects.get(direction="incoming")
    assert message.conversation.subject == "Refund for order 1234"
    assert message.from_address == "bruno@example.com"
    assert "Please refund my order." in message.body_text


def test_reply_token_plus_address_is_accepted(receiver, inbox):
    address = inbox.email_address.replace("@", "+cf-0123456789abcdef@")
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=10) as client:
        refused = client.sendmail("ana@example.com", [address], email_bytes(to=address))

    assert refused == {}
    assert Message.objects.filter(direction="incoming").count() == 1


def test_unknown_recipient_is_rejected_with_550(receiver):
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=10) as client:
        client.ehlo()
        client.mail("ana@example.com")
        code, reply = client.rcpt("nobody@carefront.test")

    assert code == 550
    assert b"no Carefront inbox has this address" in reply
    assert RawInbound.objects.count() == 0


def test_inactive_inbox_address_is_rejected(receiver, inbox):
    inbox.is_active = False
    inbox.save()
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=10) as client:
        client.ehlo()
        client.mail("ana@example.com")
        code, _reply = client.rcpt(inbox.email_address)

    assert code == 550


def test_unknown_recipient_among_known_ones_is_refused_alone(receiver, inbox):
    raw = email_bytes(to=inbox.email_address)
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=10) as client:
        refused = client.sendmail(
            "ana@example.com", [inbox.email_address, "ghost@carefront.test"], raw
        )

    assert set(refused) == {"ghost@carefront.test"}
    assert Message.objects.filter(direction="incoming").count() == 1


def test_message_over_the_size_limit_is_refused_with_552(inbox, loopback_port):
    controller = smtp_receiver_controller(
        host="127.0.0.1", port=loopback_port, max_message_bytes=2000
    )
    controller.start()
    try:
        raw = email_bytes(to=inbox.email_address, body="x" * 5000)
        with (
            smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client,
            pytest.raises(smtplib.SMTPResponseException) as refused,
        ):
            client.sendmail("ana@example.com", [inbox.email_address], raw)
    finally:
        controller.stop()

    assert refused.value.smtp_code == 552
    assert Message.objects.filter(direction="incoming").count() == 0


def test_internal_error_answers_451_so_the_sender_retries(receiver, inbox, monkeypatch):
    def database_down(**kwargs):
        raise ConnectionError("database is unavailable")

    monkeypatch.setattr(receiver_module, "email_ingest", database_down)
    raw = email_bytes(to=inbox.email_address)
    with (
        smtplib.SMTP(receiver.hostname, receiver.port, timeout=10) as client,
        pytest.raises(smtplib.SMTPDataError) as deferred,
    ):
        client.sendmail("ana@example.com", [inbox.email_address], raw)

    assert deferred.value.smtp_code == 451


def test_lmtp_delivery_becomes_a_conversation(lmtp_receiver, inbox):
    raw = email_bytes(to=inbox.email_address, subject="Via LMTP")
    with smtplib.LMTP(lmtp_receiver.hostname, lmtp_receiver.port, timeout=10) as client:
        refused = client.sendmail("ana@example.com", [inbox.email_address], raw)

    assert refused == {}
    assert Conversation.objects.get().subject == "Via LMTP"


def test_lmtp_answers_once_per_recipient_and_stores_once(lmtp_receiver, inbox):
    # smtplib's LMTP client reads a single reply after DATA; swaks follows RFC 2033.
    swaks = require_peer("swaks (apt: swaks)", shutil.which("swaks"))
    address = inbox.email_address
    token_address = address.replace("@", "+cf-0123456789abcdef@")
    completed = subprocess.run(
        [
            swaks,
            "--protocol",
            "LMTP",
            "--server",
            f"{lmtp_receiver.hostname}:{lmtp_receiver.port}",
            "--from",
            "ana@example.com",
            "--to",
            f"{address},{token_address}",
            "--header",
            "Subject: Two recipients",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.count("<-  250 2.0.0 Message accepted for delivery") == 2
    assert RawInbound.objects.count() == 1
    assert Conversation.objects.get().subject == "Two recipients"


def test_lmtp_rejects_unknown_recipient(lmtp_receiver):
    with smtplib.LMTP(lmtp_receiver.hostname, lmtp_receiver.port, timeout=10) as client:
        client.ehlo()
        client.mail("ana@example.com")
        code, _reply = client.rcpt("nobody@carefront.test")

    assert code == 550
