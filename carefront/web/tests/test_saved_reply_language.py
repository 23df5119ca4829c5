"""The composer's saved-reply menu never preselects a reply in another language than the
customer's."""

import re

import pytest
from django.urls import reverse

from carefront.automation.models import SavedReply
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox

pytestmark = pytest.mark.django_db


def _menu(client, conversation) -> str:
    html = client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    return re.search(r'<select id="saved-reply".*?</select>', html, re.S).group(0)


def _selected(menu: str) -> str | None:
    match = re.search(r'<option value="(\d*)"[^>]* selected>([^<]*)<', menu)
    return match.group(2) if match and match.group(1) else None


@pytest.fixture
def replies(db):
    # Sorted by title, the French and German ones come first.
    SavedReply.objects.create(title="A bientôt", body="Bonjour", language="fr")
    SavedReply.objects.create(title="Antwort", body="Hallo", language="de")
    SavedReply.objects.create(title="Thanks", body="Hi", language="")
    SavedReply.objects.create(title="Tracking", body="Hi", language="en-GB")


def _customer_language(conversation, language: str) -> None:
    Customer.objects.filter(pk=conversation.customer_id).update(language=language)


def test_a_german_customer_gets_the_german_reply_preselected(agent_client, conversation, replies):
    _customer_language(conversation, "de-AT")
    menu = _menu(agent_client, conversation)
    assert _selected(menu) == "Antwort"
    matching, others = menu.split("Other languages")
    assert "Antwort" in matching
    assert "A bientôt" in others and "Tracking" in others and "Thanks" in others


def test_an_english_customer_never_gets_the_french_reply_sorted_first(
    agent_client, conversation, replies
):
    _customer_language(conversation, "en")
    menu = _menu(agent_client, conversation)
    # A reply without a language is in the site's language (English here).
    assert _selected(menu) == "Thanks"
    matching, others = menu.split("Other languages")
    assert "Thanks" in matching and "Tracking" in matching
    assert "A bientôt" in others and "Antwort" in others


def test_no_reply_in_the_customers_language_preselects_nothing(agent_client, conversation, replies):
    _customer_language(conversation, "ja")
    menu = _menu(agent_client, conversation)
    assert _selected(menu) is None
    assert re.search(r'<option value="" selected>', menu)
    assert "required" in menu.split(">", 1)[0]


def test_without_a_preference_the_inbox_default_language_decides(
    agent_client, conversation, replies
):
    _customer_language(conversation, "")
    Inbox.objects.filter(pk=conversation.inbox_id).update(default_language="fr")
    assert _selected(_menu(agent_client, conversation)) == "A bientôt"


def test_the_language_is_set_in_the_manage_area(admin_client):
    admin_client.post(
        reverse("web:manage_saved_reply_new"),
        {"title": "Gracias", "body": "Hola", "language": "es"},
    )
    assert SavedReply.objects.get(title="Gracias").language == "es"
    page = admin_client.get(reverse("web:manage_saved_replies")).content.decode()
    assert '<span class="badge" title="Language">es</span>' in page


def test_a_language_that_is_no_tag_is_refused(admin_client):
    response = admin_client.post(
        reverse("web:manage_saved_reply_new"),
        {"title": "Odd", "body": "Hi", "language": "german!"},
    )
    assert response.status_code == 400
    assert "is not a language tag" in response.content.decode()
    assert not SavedReply.objects.filter(title="Odd").exists()
