"""Visitor left -> the reply goes by email with a link back; their email reply threads into the
same conversation. The address confirmation and the merge it allows. Real SMTP on loopback."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from carefront.conversations.models import Conversation, Direction, Message
from carefront.conversations.services import conversation_reply
from carefront.customers.models import Customer, CustomerIdentity
from carefront.inboxes.chat.models import ChatVisitor
from carefront.inboxes.services import email_ingest

from .conftest import Widget

pytestmark = pytest.mark.django_db


@pytest.fixture
def base_url(settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "BASE_URL": "http://testserver"}


def _leave(widget_token_visitor: ChatVisitor) -> None:
    ChatVisitor.objects.filter(pk=widget_token_visitor.pk).update(
        open_sockets=0, last_seen_at=timezone.now() - dt.timedelta(hours=1)
    )


def _confirm(widget, sink):
    body = sink.messages[-1].message.get_body(("plain",)).get_content()
    path = re.search(r"http://testserver(/chat/confirm/\S+)", body).group(1)
    assert widget.client.get(path).status_code == 200  # a button: mail scanners confirm nothing
    assert ChatVisitor.objects.get().email_confirmed_at is None
    assert widget.client.post(path).status_code == 200


def test_a_reply_to_a_visitor_who_left_is_emailed_and_the_answer_threads_back(
    chat, agent, inbox, sink, base_url, django_capture_on_commit_callbacks
):
    widget = Widget(chat)
    widget.start()
    with django_capture_on_commit_callbacks(execute=True):
        widget.post(
            "email", {"visitor_token": widget.token, "email": "bob@x.org", "text": "Need help"}
        )
    _confirm(widget, sink)
    visitor = ChatVisitor.objects.get()
    _leave(visitor)
    conversation = Conversation.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_reply(conversation=conversation, author=agent, body="Here is help")
    sent = sink.messages[-1].message
    assert sink.messages[-1].rcpt_tos == ["bob@x.org"]
    assert sent["Message-ID"] == f"<{reply.message_id}>"
    assert f"+cf-{conversation.reply_token}@" in sent["Reply-To"]
    text = sent.get_body(("plain",)).get_content()
    assert "Here is help" in text
    link = re.search(r"http://testserver(/chat/\S+/c/\S+/)", text).group(1)
    page = widget.client.get(link)
    assert page.status_code == 200
    assert b"carefront-chat-token" in page.content

    answer = (
        "From: Bob <bob@x.org>\r\n"
        f"To: {sent['Reply-To']}\r\n"
        f"Subject: Re: {sent['Subject']}\r\n"
        "Message-ID: <answer-1@x.org>\r\n"
        f"In-Reply-To: {sent['Message-ID']}\r\n"
        "Date: Fri, 04 Dec 2026 20:00:00 +0000\r\n"
        "\r\n"
        "Thanks, that worked.\r\n"
    ).encode()
    result = email_ingest(inbox=None, data=answer, source="smtp")
    assert result.message is not None
    assert result.message.conversation_id == conversation.pk
    assert result.message.customer_id == visitor.customer_id


def test_no_email_while_the_visitor_is_in_the_chat(
    chat, agent, sink, base_url, django_capture_on_commit_callbacks
):
    widget = Widget(chat)
    widget.start()
    widget.say("hi", prechat={"email": "bob@x.org"})
    ChatVisitor.objects.update(open_sockets=1, last_seen_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_reply(
            conversation=Conversation.objects.get(), author=agent, body="Hello"
        )
    assert sink.messages == []
    reply.refresh_from_db()
    assert reply.delivery_status == "sent"


def test_confirming_an_address_of_a_known_customer_links_the_chat_to_them(
    chat, sink, base_url, django_capture_on_commit_callbacks
):
    known = Customer.objects.create(name="Bob", email="bob@x.org")
    CustomerIdentity.objects.create(customer=known, value="bob@x.org")
    widget = Widget(chat)
    widget.start()
    with django_capture_on_commit_callbacks(execute=True):
        widget.post("email", {"visitor_token": widget.token, "email": "bob@x.org", "text": "Hi"})
    conversation = Conversation.objects.get()
    assert conversation.customer_id != known.pk  # not before the link is clicked
    _confirm(widget, sink)
    conversation.refresh_from_db()
    assert conversation.customer_id == known.pk
    assert Message.objects.get(direction=Direction.INCOMING).customer_id == known.pk
    assert ChatVisitor.objects.get().customer_id == known.pk


def test_a_forged_confirmation_link_confirms_nothing(chat, widget):
    widget.start()
    response = widget.client.post("/chat/confirm/forged-token/")
    assert response.status_code == 404
