"""The triage panel of the conversation page (loaded by htmx), the intent correction, and the
admin page of the intent model."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.automation.models import ConversationTriage, TriageModel
from carefront.automation.triage.services import forget_intent_model

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    forget_intent_model()
    yield
    forget_intent_model()


def test_the_panel_shows_language_sentiment_urgency_and_the_reasons(agent_client, inbox):
    from carefront.conversations.tests.factories import conversation_for

    conversation = conversation_for(
        inbox, subject="Site down", body_text="URGENT the shop is down, terrible service!!!"
    )
    response = agent_client.get(reverse("web:conversation_triage", args=[conversation.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-triage-language>en" in html
    assert "negative" in html
    assert "badge-urgency-high" in html
    assert "an outage" in html  # a reason, in words


def test_the_conversation_page_loads_the_panel_lazily(agent_client, conversation):
    response = agent_client.get(reverse("web:conversation", args=[conversation.pk]))
    assert reverse("web:conversation_triage", args=[conversation.pk]) in response.content.decode()


def test_an_agent_corrects_the_intent_with_htmx(agent_client, conversation, agent):
    url = reverse("web:conversation_triage_intent", args=[conversation.pk])
    response = agent_client.post(
        url, {"intent": "__new__", "new_intent": "delivery"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "delivery" in response.content.decode()
    triage = ConversationTriage.objects.get(conversation=conversation)
    assert triage.intent_corrected == "delivery"
    assert triage.corrected_by == agent


def test_a_bad_correction_is_refused_with_a_message(agent_client, conversation):
    url = reverse("web:conversation_triage_intent", args=[conversation.pk])
    response = agent_client.post(url, {"intent": "x" * 300}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert ConversationTriage.objects.get(conversation=conversation).intent_corrected == ""


def test_an_outsider_cannot_see_or_correct(outsider_client, conversation):
    assert (
        outsider_client.get(reverse("web:conversation_triage", args=[conversation.pk])).status_code
        == 404
    )
    response = outsider_client.post(
        reverse("web:conversation_triage_intent", args=[conversation.pk]), {"intent": "x"}
    )
    assert response.status_code == 404


def test_the_admin_page_retrains_and_shows_the_model(
    admin_client, inbox, django_assert_max_num_queries
):
    from carefront.automation.triage.samples import INTENT_SAMPLE
    from carefront.conversations.models import Tag
    from carefront.conversations.tests.factories import conversation_for

    empty = admin_client.get(reverse("web:manage_triage"))
    assert "No model yet" in empty.content.decode()
    for intent, text in INTENT_SAMPLE:
        conversation = conversation_for(inbox, subject="", body_text=text)
        conversation.tags.add(Tag.objects.get_or_create(name=f"intent:{intent}")[0])
    response = admin_client.post(reverse("web:manage_triage"))
    assert response.status_code == 302
    model = TriageModel.objects.get()
    with django_assert_max_num_queries(12):
        page = admin_client.get(reverse("web:manage_triage"))
    html = page.content.decode()
    assert "data-triage-model" in html
    assert str(model.examples) in html
    assert "refund" in html


def test_the_panel_costs_a_fixed_number_of_queries(
    agent_client, conversation, django_assert_num_queries, inbox, agent
):
    from carefront.automation.triage.services import triage_correct_intent
    from carefront.conversations.tests.factories import conversation_for

    url = reverse("web:conversation_triage", args=[conversation.pk])
    agent_client.get(url)
    with CaptureQueriesContext(connection) as first:
        agent_client.get(url)
    for n in range(5):
        other = conversation_for(inbox, subject="", body_text=f"question {n}")
        triage_correct_intent(conversation=other, intent=f"intent {n}", actor=agent)
    with django_assert_num_queries(len(first.captured_queries)):
        agent_client.get(url)
