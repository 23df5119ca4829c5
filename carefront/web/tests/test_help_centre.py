"""The public help centre and the agent's knowledge-base pages."""

import pytest
from django.test import Client

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.feedback.models import CommentSource, FeedbackComment
from carefront.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleVisibility,
    ContentGap,
    GapKind,
    GapStatus,
)
from carefront.knowledge.services import article_status_set, article_update, category_create
from carefront.knowledge.tests.factories import published_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _text_only(settings):
    settings.CAREFRONT_KB_SEMANTIC = False
    from carefront.knowledge import search

    search.semantic_enabled.cache_clear()
    search._local.clear()
    yield
    search.semantic_enabled.cache_clear()


HOSTILE = (
    "<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
    '<img src=x onerror="alert(3)">\n\n<iframe src="https://evil.test"></iframe>\n\n'
    '<a href="https://ok.test" onclick="x()" style="color:red">ok</a>\n\n**bold**'
)


def test_article_page_sanitises_markdown_and_html():
    article = published_article(title="Safe", body=HOSTILE)
    response = Client().get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in html
    assert 'href="javascript' not in html
    assert "onerror" not in html
    assert "<iframe" not in html
    assert "onclick" not in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://ok.test"' in html


def test_article_resolves_by_id_and_redirects_a_wrong_slug():
    article = published_article(title="First name")
    article_update(actor=AgentFactory(), article=article, title="Renamed", body="")
    response = Client().get(f"/help/articles/{article.pk}-first-name/")
    assert response.status_code == 301
    assert response["Location"] == f"/help/articles/{article.pk}-renamed/"
    assert Client().get(f"/help/articles/{article.pk}/").status_code == 301


def test_canonical_and_meta_description():
    article = published_article(title="Reset", summary="How to reset your password.")
    html = Client().get(article.get_absolute_url()).content.decode()
    assert (
        f'<link rel="canonical" href="http://testserver/help/articles/{article.pk}-reset/">' in html
    )
    assert '<meta name="description" content="How to reset your password.">' in html


@pytest.mark.parametrize("status", [ArticleStatus.DRAFT, ArticleStatus.ARCHIVED])
def test_unpublished_and_internal_articles_are_not_found(status):
    agent = AgentFactory()
    article = published_article(title="Hidden", actor=agent)
    article_status_set(actor=agent, article=article, status=status)
    internal = published_article(title="Internal", visibility=ArticleVisibility.INTERNAL)
    assert Client().get(article.get_absolute_url()).status_code == 404
    assert Client().get(internal.get_absolute_url()).status_code == 404
    assert Client().get("/help/articles/999999-x/").status_code == 404


def test_home_category_and_sitemap(django_assert_max_num_queries):
    category = category_create(actor=AgentFactory(role=Role.LEAD), name="Billing")
    public = published_article(title="Invoices", category=category)
    internal = published_article(
        title="Secret", category=category, visibility=ArticleVisibility.INTERNAL
    )
    for n in range(5):
        published_article(title=f"Other {n}", category=category)
    client = Client()
    with django_assert_max_num_queries(6):
        home = client.get("/help/")
    assert "Billing" in home.content.decode() and "Invoices" in home.content.decode()
    assert "Secret" not in home.content.decode()
    with django_assert_max_num_queries(6):
        page = client.get(f"/help/categories/{category.pk}-{category.slug}/")
    assert "Invoices" in page.content.decode() and "Secret" not in page.content.decode()
    sitemap = client.get("/help/sitemap.xml").content.decode()
    assert public.get_absolute_url() in sitemap
    assert internal.get_absolute_url() not in sitemap


def test_search_logs_and_no_result_gap(django_assert_max_num_queries):
    article = published_article(title="Track your parcel", body="Use the tracking link.")
    client = Client()
    with django_assert_max_num_queries(12):
        response = client.get("/help/search/", {"q": "where is my parcel"})
    html = response.content.decode()
    assert article.title in html
    assert "?s=" in html
    response = client.get("/help/search/", {"q": "crypto wallet"})
    assert "Nothing matched" in response.content.decode()
    gap = ContentGap.objects.get(kind=GapKind.NO_RESULTS)
    assert gap.customers_affected == 1
    client.get("/help/search/", {"q": "crypto wallet"})  # same visitor: counted once
    gap.refresh_from_db()
    assert gap.customers_affected == 1


@pytest.mark.parametrize("q", ["", "<script>", "\x00", "x" * 5000, '"*:|&!'])
def test_search_any_input(q):
    published_article(title="Anything")
    assert Client().get("/help/search/", {"q": q}).status_code == 200


def test_vote_no_then_comment_reaches_feedback_inbox():
    article = published_article(title="Refunds")
    client = Client()
    client.get(article.get_absolute_url())
    response = client.post(f"/help/articles/{article.pk}/vote/", {"helpful": "no"})
    assert response.status_code == 303
    assert response["Location"].endswith("?voted=ask#vote")
    client.post(
        f"/help/articles/{article.pk}/vote/",
        {"helpful": "no", "reason": "incomplete", "comment": "Which card?"},
    )
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (0, 1)
    comment = FeedbackComment.objects.get(source=CommentSource.ARTICLE)
    assert "Which card?" in comment.text
    gap = ContentGap.objects.get(kind=GapKind.NOT_HELPFUL)
    assert gap.article_id == article.pk and gap.customers_affected == 1


def test_vote_on_internal_article_is_refused():
    internal = published_article(title="Internal", visibility=ArticleVisibility.INTERNAL)
    response = Client().post(f"/help/articles/{internal.pk}/vote/", {"helpful": "yes"})
    assert response.status_code == 404


def test_agent_creates_edits_publishes(agent_client):
    response = agent_client.post(
        "/knowledge/new/",
        {"title": "How to pay", "body": "Pay **now**.", "language": "en", "visibility": "public"},
    )
    article = Article.objects.get()
    assert response.status_code == 303
    agent_client.post(
        f"/knowledge/{article.pk}/",
        {"title": "How to pay", "body": "Pay **later**.", "visibility": "public"},
    )
    agent_client.post(f"/knowledge/{article.pk}/status/", {"status": "published"})
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.revision == 2
    history = agent_client.get(f"/knowledge/{article.pk}/revisions/").content.decode()
    assert "-Pay **now**." in history and "+Pay **later**." in history
    preview = agent_client.post("/knowledge/preview/", {"body": "<script>x</script>\n\n*hi*"})
    assert preview.content.decode().strip() == "<p><em>hi</em></p>"


def test_knowledge_list_paginates_with_constant_queries(
    agent_client, django_assert_max_num_queries
):
    for n in range(60):
        published_article(title=f"Article {n}")
    with django_assert_max_num_queries(8):
        first = agent_client.get("/knowledge/")
    assert first.status_code == 200
    cursor = first.context["page"].next_cursor
    with django_assert_max_num_queries(8):
        second = agent_client.get("/knowledge/", {"cursor": cursor})
    assert len(second.context["page"].items) == 10
    assert agent_client.get("/knowledge/", {"cursor": "garbage"}).status_code == 400


def test_translation_goes_stale_when_source_changes(agent_client):
    source = published_article(title="Refunds")
    agent_client.post(
        f"/knowledge/{source.pk}/translate/",
        {"language": "de", "title": "Erstattungen", "body": "Text"},
    )
    translation = Article.objects.get(language="de")
    assert translation.source_id == source.pk and not translation.is_stale
    article_update(actor=AgentFactory(), article=source, title="Refunds", body="New rules")
    translation.refresh_from_db()
    assert translation.is_stale
    assert "Stale" in agent_client.get(f"/knowledge/{translation.pk}/").content.decode()
    agent_client.post(f"/knowledge/{translation.pk}/translation-current/")
    translation.refresh_from_db()
    assert not translation.is_stale


def test_image_upload_checks_the_bytes(agent_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 50
    ok = agent_client.post("/knowledge/images/", {"image": SimpleUploadedFile("a.png", png)})
    assert ok.status_code == 200 and "/help/images/" in ok.content.decode()
    fake = SimpleUploadedFile("evil.png", b"<svg onload=alert(1)>")
    assert agent_client.post("/knowledge/images/", {"image": fake}).status_code == 400
    url = ok.content.decode().split("](")[1].split(")")[0]
    image = Client().get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_gaps_for_leads_only_and_draft(agent_client, admin_client):
    Client().get("/help/search/", {"q": "crypto wallet"})
    assert agent_client.get("/knowledge/gaps/").status_code == 403
    page = admin_client.get("/knowledge/gaps/")
    assert "crypto wallet" in page.content.decode()
    gap = ContentGap.objects.get()
    response = admin_client.post(f"/knowledge/gaps/{gap.pk}/", {"action": "draft"})
    gap.refresh_from_db()
    assert gap.status == GapStatus.DRAFTED
    assert response["Location"] == f"/knowledge/{gap.draft_article_id}/"
    assert gap.draft_article.status == ArticleStatus.DRAFT
    assert admin_client.post("/knowledge/gaps/999999/", {"action": "draft"}).status_code == 404


def test_settings_admin_only_and_theme(agent_client, admin_client):
    assert agent_client.get("/knowledge/settings/").status_code == 403
    admin_client.post(
        "/knowledge/settings/",
        {"name": "Acme Help", "tagline": "", "primary_colour": "#112233", "text_colour": "#ffffff"},
    )
    assert "Acme Help" in Client().get("/help/").content.decode()
    assert "#112233" in Client().get("/help/theme.css").content.decode()
    bad = admin_client.post(
        "/knowledge/settings/",
        {"name": "X", "primary_colour": "red;}body{", "text_colour": "#ffffff"},
    )
    assert bad.status_code == 400
