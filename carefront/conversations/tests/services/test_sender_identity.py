"""Who a received message belongs to, and where the answer goes (issue 15, class 3)."""

import pytest

from carefront.conversations.inbound import is_relay_address
from carefront.conversations.models import Conversation, EventKind, Message
from carefront.conversations.services import conversation_change_customer, conversation_reply
from carefront.conversations.tests.factories import receive
from carefront.core.exceptions import InvalidInput
from carefront.customers.models import Customer
from carefront.inboxes.email.parsing import parse_email
from carefront.inboxes.services import email_ingest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    [
        "noreply@shop.example",
        "no-reply@shop.example",
        "do-not-reply@shop.example",
        "DoNotReply@shop.example",
        "forms-receipts-noreply@google.com",
        "wordpress@blog.example",
        "webform@site.example",
        "anything@formspree.io",
    ],
)
def test_relay_addresses(address):
    assert is_relay_address(address)


@pytest.mark.parametrize(
    "address", ["ana@example.com", "replyall@example.com", "info@shop.example", "noah@x.test"]
)
def test_people_are_not_relays(address):
    assert not is_relay_address(address)


def test_form_relay_with_reply_to_is_the_visitors_conversation_and_replies_go_there(inbox, agent):
    result = receive(
        inbox,
        from_address="noreply@shop.example",
        from_name="Shop contact form",
        reply_to=["visitor@example.org"],
        reply_to_name="Vera Visitor",
    )
    customer = result.conversation.customer
    assert customer.email == "visitor@example.org"
    assert customer.name == "Vera Visitor"
    message = result.message
    assert message.from_address == "noreply@shop.example"  # the header, kept as it came
    assert message.reply_to == ["visitor@example.org"]

    answer = conversation_reply(conversation=result.conversation, author=agent, body="Hi Vera")
    assert answer.to == ["visitor@example.org"]


def test_a_person_with_reply_to_stays_the_customer_and_replies_follow_reply_to(inbox, agent):
    result = receive(inbox, from_address="ana@home.example", reply_to=["ana.work@corp.example"])
    assert result.conversation.customer.email == "ana@home.example"
    answer = conversation_reply(conversation=result.conversation, author=agent, body="Hi")
    assert answer.to == ["ana.work@corp.example"]


def test_reply_to_naming_our_own_inbox_is_not_followed(inbox, agent):
    result = receive(inbox, from_address="ana@example.com", reply_to=[inbox.email_address])
    answer = conversation_reply(conversation=result.conversation, author=agent, body="Hi")
    assert answer.to == ["ana@example.com"]


def test_no_reply_sender_without_reply_to_stays_the_sender(inbox):
    result = receive(inbox, from_address="noreply@shop.example")
    assert result.conversation.customer.email == "noreply@shop.example"


def _no_sender_mail(n: int) -> bytes:
    return (
        f"From: Undisclosed\r\nTo: {{to}}\r\nSubject: Question {n}\r\n"
        f"Message-ID: <nosender{n}@example.com>\r\n\r\nHello {n}"
    ).encode()


def test_mails_without_a_sender_each_get_their_own_placeholder(inbox):
    first = email_ingest(
        inbox=inbox,
        data=_no_sender_mail(1).replace(b"{to}", inbox.email_address.encode()),
        source="test",
    ).message
    second = email_ingest(
        inbox=inbox,
        data=_no_sender_mail(2).replace(b"{to}", inbox.email_address.encode()),
        source="test",
    ).message
    assert first.customer_id != second.customer_id
    assert first.conversation_id != second.conversation_id
    for message in (first, second):
        assert message.customer.sender_unknown
        assert message.customer.email == ""
        assert not message.customer.identities.exists()
    assert not Customer.objects.filter(email="unknown@invalid").exists()


def test_placeholder_is_named_sender_unknown(inbox):
    result = receive(inbox, from_address="", from_name="")
    assert result.conversation.customer.display_name == "Sender unknown"


def test_parsed_reply_to_reaches_the_customer(inbox):
    data = (
        f"From: WordPress <wordpress@blog.example>\r\nTo: {inbox.email_address}\r\n"
        "Reply-To: =?utf-8?Q?Ren=C3=A9_Roy?= <rene@example.fr>\r\n"
        "Subject: Contact form\r\nMessage-ID: <wp1@blog.example>\r\n\r\nMy question"
    ).encode()
    message = email_ingest(inbox=inbox, data=data, source="test").message
    assert message.customer.email == "rene@example.fr"
    assert message.customer.name == "René Roy"
    assert message.reply_to == ["rene@example.fr"]
    assert parse_email(data).from_address == "wordpress@blog.example"


def test_changing_the_customer_moves_conversation_and_messages_and_drops_the_placeholder(
    inbox, agent
):
    result = receive(inbox, from_address="", from_name="")
    placeholder = result.conversation.customer

    conversation = conversation_change_customer(
        conversation=result.conversation, email="Real@Example.com", actor=agent
    )

    assert conversation.customer.email == "real@example.com"
    assert Message.objects.get(pk=result.message.pk).customer_id == conversation.customer_id
    assert not Customer.objects.filter(pk=placeholder.pk).exists()
    event = conversation.events.get(kind=EventKind.CUSTOMER_CHANGED)
    assert event.actor_id == agent.pk
    assert event.data["new"] == "real@example.com"


def test_changing_to_an_existing_customer_keeps_a_real_previous_one(inbox, agent):
    ana = receive(inbox, from_address="ana@example.com").conversation
    bob = receive(inbox, from_address="bob@example.com").conversation

    conversation_change_customer(conversation=bob, email="ana@example.com", actor=agent)

    assert Conversation.objects.get(pk=bob.pk).customer_id == ana.customer_id
    assert Customer.objects.filter(email="bob@example.com").exists()


def test_changing_the_customer_needs_a_valid_address(inbox, agent):
    conversation = receive(inbox, from_address="").conversation
    with pytest.raises(InvalidInput):
        conversation_change_customer(conversation=conversation, email="not an address", actor=agent)


def test_a_rejected_auto_reply_without_sender_leaves_no_placeholder(inbox):
    before = Customer.objects.count()
    result = receive(inbox, from_address="", is_auto_submitted=True)
    assert result.outcome == "rejected"
    assert Customer.objects.count() == before
