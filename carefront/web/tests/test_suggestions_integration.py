"""The contact form and the composer with the real knowledge-base search behind
`article_suggestions` (their own tests stand in a fake): a public article is suggested to the
customer, an internal one only to the agent, a draft to nobody."""

import pytest
from django.test import Client
from django.urls import reverse

from carefront.knowledge.models import ArticleVisibility
from carefront.knowledge.services import article_create
from carefront.knowledge.tests.factories import published_article

from .kb_portal_support import enabled_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(admin):
    return {
        "public": published_article(
            title="Track your refund", body="Refunds reach your card within 5 days.", actor=admin
        ),
        "internal": published_article(
            title="Refund override for agents",
            body="How agents force a refund in the billing tool.",
            visibility=ArticleVisibility.INTERNAL,
            actor=admin,
        ),
        "draft": article_create(actor=admin, title="Refund draft", body="Not ready yet."),
    }


def test_the_contact_form_suggests_public_published_articles_only(inbox, articles):
    form = enabled_form(inbox)
    url = reverse("web:contact_suggestions", args=[form.slug])
    html = Client().get(url, {"subject": "refund", "description": "where is my refund"}).content
    html = html.decode()
    assert f'data-article-id="{articles["public"].pk}"' in html
    assert "Refund override" not in html and "Refund draft" not in html


def test_the_composer_suggests_internal_articles_too(agent_client, conversation, articles):
    url = reverse("web:composer_articles", args=[conversation.pk])
    html = agent_client.get(url, {"q": "refund"}).content.decode()
    assert "Track your refund" in html and "Refund override for agents" in html
    assert "Refund draft" not in html
