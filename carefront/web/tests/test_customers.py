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


def _customer_url(name: str, conversation) -> str:
    return reverse(f"web:{name}", args=[conversation.customer_id])


def test_agent_edits_the_customer_profile(agent_client, conversation):
    response = agent_client.post(
        _customer_url("customer_edit", conversation),
        {
            "name": "Ana  Lima ",
            "language": "pt-BR",
            "time_zone": "America/Sao_Paulo",
            "notes": "Prefers email.\r\nOrders monthly.",
            "is_internal": "",
        },
    )
    assert response.status_code == 303
    customer = conversation.customer
    customer.refresh_from_db()
    assert (customer.name, customer.language, customer.time_zone) == (
        "Ana Lima",
        "pt-BR",
        "America/Sao_Paulo",
    )
    assert customer.notes == "Prefers email.\nOrders monthly."
    html = agent_client.get(_customer_url("customer", conversation)).content.decode()
    assert "Orders monthly." in html


def test_a_bad_time_zone_is_shown_in_the_open_form_and_nothing_changes(agent_client, conversation):
    response = agent_client.post(
        _customer_url("customer_edit", conversation), {"name": "X", "time_zone": "Mars/Base"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a known time zone" in html
    assert '<details class="edit-profile" open>' in html
    conversation.customer.refresh_from_db()
    assert conversation.customer.name == "Ana Lima"


def test_custom_attributes_are_set_shown_and_removed(agent_client, conversation):
    url = _customer_url("customer_attribute", conversation)
    assert agent_client.post(url, {"key": "plan", "value": "pro"}).status_code == 303
    assert agent_client.post(url, {"key": "seats", "value": "12"}).status_code == 303
    conversation.customer.refresh_from_db()
    assert conversation.customer.attributes == {"plan": "pro", "seats": "12"}
    html = agent_client.get(_customer_url("customer", conversation)).content.decode()
    assert "<dt>plan</dt>" in html
    assert agent_client.post(url, {"remove": "plan"}).status_code == 303
    conversation.customer.refresh_from_db()
    assert conversation.customer.attributes == {"seats": "12"}


def test_a_bad_attribute_name_is_a_clear_400(agent_client, conversation):
    response = agent_client.post(
        _customer_url("customer_attribute", conversation), {"key": "no spaces", "value": "x"}
    )
    assert response.status_code == 400
    conversation.customer.refresh_from_db()
    assert conversation.customer.attributes == {}


def test_the_profile_shows_the_customers_ratings_with_bad_ones_flagged_in_constant_queries(
    agent_client, agent, inbox, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from carefront.feedback.tests.factories import rated, without_survey_throttle

    without_survey_throttle(settings)  # one customer, several ratings minutes apart

    first = rated(inbox, agent, score="not_good", comment="Too slow", subject="Late parcel")
    url = reverse("web:customer", args=[first.customer_id])
    agent_client.get(url)
    with CaptureQueriesContext(connection) as one:
        html = agent_client.get(url).content.decode()
    assert "Satisfaction" in html
    assert "Late parcel" in html
    assert "Too slow" in html
    assert 'class="rating-bad"' in html
    assert "Not good: 1" in html
    for n in range(3):
        rated(inbox, agent, score="great", subject=f"Question {n}")
    agent_client.get(url)
    with CaptureQueriesContext(connection) as four:
        html = agent_client.get(url).content.decode()
    assert "Great: 3" in html
    assert len(four.captured_queries) == len(one.captured_queries)


def test_another_teams_agent_does_not_see_ratings_of_conversations_they_cannot_see(
    agent, inbox, team
):
    from django.test import Client

    from carefront.accounts.models import Role
    from carefront.accounts.tests.factories import AgentFactory, TeamFactory
    from carefront.conversations.tests.factories import conversation_for
    from carefront.feedback.tests.factories import rated
    from carefront.inboxes.tests.factories import InboxFactory

    rating = rated(inbox, agent, score="not_good", comment="Secret complaint")
    other_team = TeamFactory()
    other_inbox = InboxFactory(teams=[other_team])
    conversation_for(other_inbox, from_address="ana@example.com")
    other_agent = AgentFactory(role=Role.AGENT)
    other_team.members.add(other_agent)
    client = Client()
    client.force_login(other_agent)
    html = client.get(reverse("web:customer", args=[rating.customer_id])).content.decode()
    assert "Secret complaint" not in html
    assert "No ratings yet." in html
