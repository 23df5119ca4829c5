"""The customer portal over HTTP: one-time sign-in links, the customer's own conversations
and nothing else, replies and new conversations through message_receive."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carefront.conversations.models import Conversation, Direction, Message
from carefront.conversations.services import conversation_add_note, conversation_reply
from carefront.conversations.tests.factories import conversation_for
from carefront.customers.tests.factories import CustomerFactory
from carefront.inboxes.tests.factories import InboxFactory
from carefront.knowledge.models import PortalSignIn

from .kb_portal_support import enabled_form, link_in_mail

pytestmark = pytest.mark.django_db

SIGN_IN_LINK = r"/portal/sign-in/[\w-]{20,}/"


@pytest.fixture
def ana(inbox):
    return CustomerFactory(email="ana@example.com", name="Ana Lima")


@pytest.fixture
def ana_conversation(inbox, ana):
    return conversation_for(
        inbox, from_address="ana@example.com", subject="Where is my parcel?", body_text="Hello?"
    )


@pytest.fixture
def bob_conversation(inbox):
    return conversation_for(
        inbox, from_address="bob@example.com", subject="Bob's secret order", body_text="Hi"
    )


def _ask(client: Client, email: str):
    return client.post(reverse("web:portal_sign_in"), {"email": email})


def _signed_in(email: str, django_capture_on_commit_callbacks) -> Client:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, email)
    link = link_in_mail(SIGN_IN_LINK)
    assert client.post(link).status_code == 303
    return client


def test_signing_in_by_link_shows_the_customers_conversations(
    ana, ana_conversation, bob_conversation, django_capture_on_commit_callbacks
):
    client = Client()
    response = client.get(reverse("web:portal"))
    assert response.status_code == 303
    assert response["Location"].startswith(reverse("web:portal_sign_in"))
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, "ANA@example.com ")
    assert response["Location"] == reverse("web:portal_sign_in_sent")
    assert mail.outbox[-1].to == ["ana@example.com"]
    link = link_in_mail(SIGN_IN_LINK)
    # Opening the link (a mail scanner does) only shows a button; the POST signs in.
    assert client.get(link).status_code == 200
    assert client.get(link)["Referrer-Policy"] == "same-origin"
    assert client.post(link)["Location"] == reverse("web:portal")
    html = client.get(reverse("web:portal")).content.decode()
    assert "Where is my parcel?" in html
    assert "Bob&#x27;s secret order" not in html and "Bob's secret order" not in html
    # Single use.
    assert Client().post(link).status_code == 410
    assert Client().get(link).status_code == 410


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    ana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = _ask(Client(), "ana@example.com")
        unknown = _ask(Client(), "nobody@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert PortalSignIn.objects.filter(email="nobody@example.com", token_hash=None).exists()


def test_sign_in_requests_are_rate_limited_alike_for_known_and_unknown_addresses(ana):
    for email in ("ana@example.com", "nobody@example.com"):
        client = Client(REMOTE_ADDR=f"10.0.0.{len(email)}")
        for _ in range(3):
            assert _ask(client, email).status_code == 303
        response = _ask(client, email)
        assert response.status_code == 400
        assert "Too many sign-in links" in response.content.decode()
        assert email in response.content.decode()  # what was typed stays


def test_an_expired_or_forged_link_does_not_sign_in(ana, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(Client(), "ana@example.com")
    link = link_in_mail(SIGN_IN_LINK)
    PortalSignIn.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client = Client()
    assert client.post(link).status_code == 410
    assert client.post(reverse("web:portal_sign_in_link", args=["x" * 43])).status_code == 410
    assert client.get(reverse("web:portal"))["Location"].startswith("/portal/sign-in/")


def test_another_customers_conversation_is_a_404(
    ana, ana_conversation, bob_conversation, django_capture_on_commit_callbacks
):
    client = _signed_in("ana@example.com", django_capture_on_commit_callbacks)
    mine = reverse("web:portal_conversation", args=[ana_conversation.pk])
    assert client.get(mine).status_code == 200
    for forged in (bob_conversation.pk, 999_999):
        url = reverse("web:portal_conversation", args=[forged])
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "hijack", "key": ""}).status_code == 404
    assert not Message.objects.filter(body_text="hijack").exists()


def test_an_agents_login_is_not_a_portal_session(agent, ana_conversation):
    client = Client()
    client.force_login(agent)
    url = reverse("web:portal_conversation", args=[ana_conversation.pk])
    assert client.get(url).status_code == 303


def test_the_customer_reads_replies_but_never_internal_notes(
    ana, ana_conversation, agent, django_capture_on_commit_callbacks
):
    conversation_reply(conversation=ana_conversation, author=agent, body="It ships today.")
    conversation_add_note(conversation=ana_conversation, author=agent, body="VIP: refund quietly")
    client = _signed_in("ana@example.com", django_capture_on_commit_callbacks)
    html = client.get(reverse("web:portal_conversation", args=[ana_conversation.pk])).content
    assert b"It ships today." in html
    assert b"VIP" not in html


def test_a_reply_from_the_portal_is_a_customer_message_of_the_conversation(
    ana, ana_conversation, django_capture_on_commit_callbacks
):
    client = _signed_in("ana@example.com", django_capture_on_commit_callbacks)
    url = reverse("web:portal_conversation", args=[ana_conversation.pk])
    key = "0b7d6c1e-9d2c-4f6a-8a43-0d0f4d1f2a11"
    for _ in range(2):  # a double click
        response = client.post(url, {"body": "Still nothing arrived.", "key": key})
        assert response.status_code == 303
    messages = Message.objects.filter(conversation=ana_conversation, body_text__contains="Still")
    message = messages.get()
    assert (message.direction, message.channel, message.customer_id) == (
        Direction.INCOMING,
        "portal",
        ana.pk,
    )
    assert Conversation.objects.count() == 1
    response = client.post(url, {"body": "  ", "key": ""})
    assert response.status_code == 400
    assert "Please write a message." in response.content.decode()


def test_the_customer_opens_a_new_conversation(ana, inbox, django_capture_on_commit_callbacks):
    enabled_form(inbox)
    client = _signed_in("ana@example.com", django_capture_on_commit_callbacks)
    assert "New message" in client.get(reverse("web:portal")).content.decode()
    response = client.post(
        reverse("web:portal_new"),
        {"inbox": inbox.pk, "subject": "Invoice copy", "body": "Please send it again.", "key": ""},
    )
    assert response.status_code == 303
    conversation = Conversation.objects.get(subject="Invoice copy")
    assert (conversation.customer_id, conversation.inbox_id) == (ana.pk, inbox.pk)
    assert response["Location"] == reverse("web:portal_conversation", args=[conversation.pk])
    # An inbox without an enabled form cannot be chosen.
    other = enabled_form(InboxFactory(), slug="sales", is_enabled=False)
    response = client.post(
        reverse("web:portal_new"),
        {"inbox": other.inbox_id, "subject": "x", "body": "y", "key": ""},
    )
    assert response.status_code == 400


def test_the_list_costs_the_same_queries_for_many_conversations(
    ana, inbox, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client = _signed_in("ana@example.com", django_capture_on_commit_callbacks)
    for n in range(30):
        conversation_for(inbox, from_address="ana@example.com", subject=f"Question {n}")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("web:portal"))
    html = response.content.decode()
    assert "Question 29" in html and "Question 0" not in html
    assert "Older conversations" in html
    older = client.get(reverse("web:portal") + "?after=" + response.context["next_cursor"])
    assert "Question 0" in older.content.decode()
    assert client.get(reverse("web:portal") + "?after=garbage").status_code == 200


def test_signing_out_ends_the_portal_session(
    ana, ana_conversation, django_capture_on_commit_callbacks
):
    client = _signed_in("ana@example.com", django_capture_on_commit_callbacks)
    assert client.post(reverse("web:portal_sign_out")).status_code == 303
    assert client.get(reverse("web:portal")).status_code == 303


def test_a_conversation_costs_the_same_queries_however_long(
    ana, ana_conversation, agent, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client = _signed_in("ana@example.com", django_capture_on_commit_callbacks)
    url = reverse("web:portal_conversation", args=[ana_conversation.pk])
    for n in range(20):
        conversation_reply(conversation=ana_conversation, author=agent, body=f"Update {n}")
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert "Update 19" in response.content.decode()


def test_the_portal_speaks_the_browsers_language(ana, django_capture_on_commit_callbacks):
    response = Client().get(reverse("web:portal_sign_in"), headers={"accept-language": "de"})
    assert "Anmeldelink per E-Mail senden" in response.content.decode()


def test_the_session_ends_when_the_address_moves_to_another_customer(
    ana, ana_conversation, django_capture_on_commit_callbacks
):
    from carefront.customers.models import CustomerIdentity

    client = _signed_in("ana@example.com", django_capture_on_commit_callbacks)
    other = CustomerFactory(email="someone@example.com")
    CustomerIdentity.objects.filter(value="ana@example.com").update(customer=other)
    url = reverse("web:portal_conversation", args=[ana_conversation.pk])
    assert client.get(url).status_code == 303
