"""/api/v1/articles and /api/v1/categories: public reads without a token, the rest with one."""

import pytest
from django.test import Client

from carefront.accounts.models import Role, TokenScope
from carefront.accounts.tests.factories import AgentFactory
from carefront.knowledge.models import Article, ArticleStatus, ArticleVisibility
from carefront.knowledge.services import category_create
from carefront.knowledge.tests.factories import published_article

from .conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _text_only(settings):
    settings.CAREFRONT_KB_SEMANTIC = False
    from carefront.knowledge import search

    search.semantic_enabled.cache_clear()
    search._local.clear()
    yield
    search.semantic_enabled.cache_clear()


def test_anonymous_reads_public_published_only(django_assert_max_num_queries):
    public = published_article(title="Refund policy")
    internal = published_article(title="Refund override", visibility=ArticleVisibility.INTERNAL)
    for n in range(5):
        published_article(title=f"Other {n}")
    client = Client()
    with django_assert_max_num_queries(3):
        items = client.get("/api/v1/articles", {"limit": 50}).json()["items"]
    ids = {item["id"] for item in items}
    assert public.pk in ids and internal.pk not in ids
    assert client.get(f"/api/v1/articles/{internal.pk}").status_code == 404
    detail = client.get(f"/api/v1/articles/{public.pk}").json()
    assert detail["title"] == "Refund policy" and "body_html" in detail
    suggestions = client.get("/api/v1/articles/suggestions", {"q": "refund"}).json()
    assert [s["article_id"] for s in suggestions] == [public.pk]


def test_token_sees_internal_and_drafts(api):
    internal = published_article(title="Refund override", visibility=ArticleVisibility.INTERNAL)
    assert api.get(f"/api/v1/articles/{internal.pk}").status_code == 200
    suggestions = api.get("/api/v1/articles/suggestions", {"q": "refund"}).json()
    assert [s["article_id"] for s in suggestions] == [internal.pk]


def test_bad_token_is_refused_not_served_as_public():
    published_article(title="Public")
    client = Client(headers={"Authorization": "Bearer forged"})
    assert client.get("/api/v1/articles").status_code == 401


def test_write_needs_a_token():
    response = Client().post("/api/v1/articles", {"title": "x"}, content_type="application/json")
    assert response.status_code == 401


def test_create_update_publish(api, agent):
    created = api.post(
        "/api/v1/articles",
        {"title": "Pay by card", "body": "Use <script>x</script> **card**"},
        content_type="application/json",
    )
    assert created.status_code == 201
    article_id = created.json()["id"]
    assert "<script>" not in created.json()["body_html"]
    assert Client().get(f"/api/v1/articles/{article_id}").status_code == 404  # a draft
    patched = api.patch(
        f"/api/v1/articles/{article_id}",
        {"body": "New text", "status": "published"},
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert patched.json()["revision"] == 2 and patched.json()["status"] == "published"
    assert Client().get(f"/api/v1/articles/{article_id}").status_code == 200
    bad = api.patch(
        f"/api/v1/articles/{article_id}", {"status": "gone"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert (
        api.patch("/api/v1/articles/999999", {}, content_type="application/json").status_code == 404
    )


def test_read_only_token_cannot_write(agent):
    client = token_client(agent, TokenScope.READ)
    response = client.post("/api/v1/articles", {"title": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_categories(api):
    lead = AgentFactory(role=Role.LEAD)
    category = category_create(actor=lead, name="Billing")
    hidden = category_create(actor=lead, name="Hidden")
    hidden.is_public = False
    hidden.save()
    public = Client().get("/api/v1/categories").json()["items"]
    assert [c["id"] for c in public] == [category.pk]
    assert len(api.get("/api/v1/categories").json()["items"]) == 2
    # an agent may not create categories; a lead may
    denied = api.post("/api/v1/categories", {"name": "X"}, content_type="application/json")
    assert denied.status_code == 403
    ok = token_client(lead).post(
        "/api/v1/categories", {"name": "Shipping"}, content_type="application/json"
    )
    assert ok.status_code == 201


def test_status_filter_only_with_token(api):
    agent = AgentFactory()
    draft = published_article(title="Draft", actor=agent)
    from carefront.knowledge.services import article_status_set

    article_status_set(actor=agent, article=draft, status=ArticleStatus.DRAFT)
    assert Client().get("/api/v1/articles", {"status": "draft"}).json()["items"] == []
    items = api.get("/api/v1/articles", {"status": "draft"}).json()["items"]
    assert [i["id"] for i in items] == [draft.pk]
