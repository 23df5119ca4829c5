"""The conversation sidebar: "sender unknown", Reply-To, and linking the real customer."""

import pytest
from django.urls import reverse

from carefront.conversations.models import Conversation
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db


def test_sender_unknown_is_shown_with_the_link_form_open(agent_client, inbox):
    conversation = conversation_for(inbox, from_address="", from_name="")
    page = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert "Sender unknown" in page
    assert '<details class="customer-change" open>' in page


def test_reply_to_is_shown_on_the_message(agent_client, inbox):
    conversation = conversation_for(
        inbox, from_address="noreply@shop.example", reply_to=["vera@example.org"]
    )
    page = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert "Reply-To: vera@example.org" in page


def test_agent_links_the_conversation_to_the_real_customer(agent_client, inbox):
    conversation = conversation_for(inbox, from_address="", from_name="")
    url = reverse("web:conversation_customer", args=[conversation.pk])

    response = agent_client.post(url, {"email": "real@example.com"})

    assert response.status_code == 303
    assert Conversation.objects.get(pk=conversation.pk).customer.email == "real@example.com"
    page = agent_client.get(response["Location"]).content.decode()
    assert "changed the customer from Sender unknown to real@example.com" in page


def test_linking_needs_a_valid_address(agent_client, inbox):
    conversation = conversation_for(inbox, from_address="", from_name="")
    url = reverse("web:conversation_customer", args=[conversation.pk])
    response = agent_client.post(url, {"email": "nope"})
    assert response.status_code == 400
    assert Conversation.objects.get(pk=conversation.pk).customer.sender_unknown


def test_outsiders_cannot_change_the_customer(outsider_client, inbox):
    conversation = conversation_for(inbox, from_address="ana@example.com")
    url = reverse("web:conversation_customer", args=[conversation.pk])
    response = outsider_client.post(url, {"email": "evil@example.com"})
    assert response.status_code == 404
    assert Conversation.objects.get(pk=conversation.pk).customer.email == "ana@example.com"
