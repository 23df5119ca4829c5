import pytest
from django.urls import reverse

from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db


def test_profile_shows_identities_and_visible_conversations(agent_client, conversation):
    conversation_for(InboxFactory(), from_address="ana@example.com", subject="Hidden elsewhere")
    response = agent_client.get(reverse("web:customer", args=[conversation.customer_id]))
    html = response.content.decode()
    assert "ana@example.com" in html
    assert "Where is my parcel?" in html
    assert "Hidden elsewhere" not in html


def test_another_email_address_is_added(agent_client, conversation):
    url = reverse("web:customer_add_email", args=[conversation.customer_id])
    response = agent_client.post(url, {"email": "Ana.Work@Example.com"})
    assert response.status_code == 303
    values = set(conversation.customer.identities.values_list("value", flat=True))
    assert "ana.work@example.com" in values


def test_address_of_another_customer_is_refused_in_the_form(agent_client, conversation, inbox):
    conversation_for(inbox, from_address="bob@example.com")
    url = reverse("web:customer_add_email", args=[conversation.customer_id])
    response = agent_client.post(url, {"email": "bob@example.com"})
    assert response.status_code == 400
    assert "already belongs to another customer" in response.content.decode()


def test_invalid_address_is_refused(agent_client, conversation):
    url = reverse("web:customer_add_email", args=[conversation.customer_id])
    response = agent_client.post(url, {"email": "not an address"})
    assert response.status_code == 400
