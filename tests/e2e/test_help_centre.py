"""A visitor on a phone searches the help centre, opens an article and says it did not help."""

import pytest
from playwright.sync_api import expect

from carefront.knowledge.models import ArticleVote, ContentGap, GapKind, SearchLog
from carefront.knowledge.tests.factories import published_article

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _text_only(settings):
    settings.CAREFRONT_KB_SEMANTIC = False
    from carefront.knowledge import search

    search.semantic_enabled.cache_clear()
    search._local.clear()
    yield
    search.semantic_enabled.cache_clear()


def test_a_visitor_searches_opens_and_votes(live_server, watched_page, screenshot_dir):
    article = published_article(
        title="Track your parcel",
        summary="Where your delivery is, and when it arrives.",
        body="Open the **tracking link** in your shipping email.",
    )
    published_article(title="Change your password", body="Use *Forgot password*.")
    page = watched_page
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/help/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label("Search the help centre").fill("where is my parcle")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results")
    page.get_by_role("link", name="Track your parcel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Track your parcel")
    expect(page.locator(".help-body strong")).to_have_text("tracking link")
    assert SearchLog.objects.get().opened_article_id == article.pk

    page.get_by_role("button", name="No").click()
    expect(page.get_by_role("heading", name="Sorry about that. What was missing?")).to_be_visible()
    page.get_by_label("What was wrong?").select_option("incomplete")
    page.get_by_label("Tell us more (optional)").fill("The link is not in my email.")
    page.screenshot(path=screenshot_dir / "help-centre-vote-phone.png", full_page=True)
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("status")).to_contain_text("We will use your feedback")
    vote = ArticleVote.objects.get()
    assert (vote.helpful, vote.reason, vote.comment) == (
        False,
        "incomplete",
        "The link is not in my email.",
    )
    assert ContentGap.objects.get(kind=GapKind.NOT_HELPFUL).customers_affected == 1
    assert page_problems(page) == []
