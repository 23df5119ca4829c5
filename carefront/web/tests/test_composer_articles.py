"""Knowledge-base articles in the agent's composer: suggested from the customer's last message
(internal articles included), searched from the composer, insertable as a link or text."""

import pytest
from django.urls import reverse

from .kb_portal_support import suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    seen = []

    def fake(text, **kwargs):
        seen.append((text, kwargs))
        return [suggestion(5, "Track a parcel")]

    monkeypatch.setattr("carefront.web.views.composer_articles.article_suggestions", fake)
    return seen


def test_the_composer_suggests_articles_for_the_customers_last_message(
    agent_client, conversation, calls
):
    response = agent_client.get(reverse("web:composer_articles", args=[conversation.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Track a parcel" in html
    assert 'data-text="Track a parcel: http://testserver/help/articles/5-track-a-parcel/"' in html
    assert "Insert as text" in html
    text, kwargs = calls[0]
    assert text == "Where is my parcel? Hello, my parcel has not arrived."
    assert kwargs["include_internal"] is True


def test_the_composer_search_box_asks_for_what_the_agent_typed(agent_client, conversation, calls):
    url = reverse("web:composer_articles", args=[conversation.pk])
    response = agent_client.get(url, {"q": "  return   label " + "x" * 5000})
    assert response.status_code == 200
    assert calls[0][0].startswith("return label x")
    assert len(calls[0][0]) == 1000


def test_the_conversation_page_loads_the_panel(agent_client, conversation):
    html = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert reverse("web:composer_articles", args=[conversation.pk]) in html
    assert 'id="composer-articles-q"' in html


def test_an_agent_outside_the_inbox_gets_a_404(outsider_client, conversation, calls):
    url = reverse("web:composer_articles", args=[conversation.pk])
    assert outsider_client.get(url).status_code == 404
    assert calls == []


def test_no_articles_says_so(agent_client, conversation, monkeypatch):
    monkeypatch.setattr(
        "carefront.web.views.composer_articles.article_suggestions", lambda text, **kw: []
    )
    url = reverse("web:composer_articles", args=[conversation.pk])
    assert "No article matches" in agent_client.get(url, {"q": "zzz"}).content.decode()


def test_the_timeline_says_a_conversation_came_from_the_contact_form(agent_client, inbox):
    from carefront.conversations.tests.factories import conversation_for

    conversation = conversation_for(inbox, channel="web", from_address="ana@example.com")
    html = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert "Conversation started from the contact form" in html
