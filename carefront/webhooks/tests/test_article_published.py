"""Publishing a knowledge-base article sends `article.published`."""

import json

import pytest

from carefront.knowledge.models import ArticleStatus
from carefront.knowledge.services import article_create, article_status_set
from carefront.webhooks import catalogue
from carefront.webhooks.models import WebhookDelivery
from carefront.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db


def test_publishing_records_the_event(admin, receiver):
    webhook_subscription_create(
        actor=admin, url=receiver.url, event_types=[catalogue.ARTICLE_PUBLISHED]
    )
    article = article_create(actor=admin, title="New refund rules", body="Text")
    assert not WebhookDelivery.objects.exists()  # a draft is no event
    article_status_set(actor=admin, article=article, status=ArticleStatus.PUBLISHED)
    delivery = WebhookDelivery.objects.get()
    body = json.loads(delivery.payload)
    assert body["type"] == "article.published"
    assert body["data"]["id"] == article.pk
    assert body["data"]["url"] == f"/help/articles/{article.pk}-new-refund-rules/"
