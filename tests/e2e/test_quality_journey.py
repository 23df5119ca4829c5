"""Issue 11 end to end, across its parts: an agent gets a hint in the composer ("Check my
reply"), sends anyway, and the auto-QA mark is stored; a lead then reviews the conversation
with a scorecard whose category follows that behaviour, and the review form is prefilled from
the mark, saying why."""

import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory
from carefront.quality.models import QaMark, Review

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, url: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(url + "/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()


def test_hint_then_send_then_a_lead_reviews_with_the_mark_prefilled(
    live_server, watched_page, screenshot_dir
):
    team = TeamFactory(name="Frontline")
    AgentFactory(email="grace@carefront.test", name="Grace Hopper").teams.add(team)
    AgentFactory(email="lena@carefront.test", name="Lena Lead", role=Role.LEAD).teams.add(team)
    conversation = conversation_for(
        InboxFactory(name="Support", teams=[team]),
        from_address="ana@example.com",
        from_name="Ana Lima",
        subject="Where is my parcel?",
        body_text="Hello, my parcel has not arrived yet. When will it arrive?",
    )
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})

    # The agent checks the reply, sees the hint about the name, and sends it as it is.
    sign_in(page, live_server.url, "grace@carefront.test")
    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    page.locator("#reply-body").fill(
        "Hello,\n\nthanks for waiting. The parcel is with the carrier and arrives Friday."
    )
    page.get_by_role("button", name=re.compile("Check my reply")).click()
    expect(page.locator("[data-reply-check]")).to_contain_text("Greet the customer by name")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Your reply is on its way.")).to_be_visible()
    assert QaMark.objects.filter(
        conversation=conversation, behaviour="greets_by_name", outcome="missed"
    ).exists()

    # The lead builds a scorecard whose "Personal touch" follows the greeting check...
    sign_in(page, live_server.url, "lena@carefront.test")
    page.goto(live_server.url + "/quality/scorecards/new/")
    page.get_by_label("Name", exact=True).fill("Support basics")
    page.get_by_label("Scale").select_option("1-4")
    page.locator("#cat-0-name").fill("Personal touch")
    page.locator("#cat-0-behaviour").select_option("greets_by_name")
    page.locator("#cat-1-name").fill("Solution")
    page.get_by_role("button", name="Save the scorecard").click()
    expect(page.locator("[data-scorecard]")).to_contain_text("Support basics")

    # ...and reviews the conversation: the category comes prefilled from the mark, with why.
    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    page.locator("[data-review-link]").click()
    personal = page.locator("tr", has=page.get_by_label("Personal touch"))
    expect(personal.locator("[data-prefill]")).to_contain_text("missed on 1 of 1 replies")
    expect(page.get_by_label("Personal touch")).to_have_value("1")
    page.get_by_label("Solution").select_option("4")
    page.get_by_role("button", name="Save the review").click()
    expect(page).to_have_url(re.compile(r"/quality/reviews/\d+/$"))
    review = Review.objects.get()
    scores = {s.category.name: s for s in review.scores.select_related("category")}
    assert scores["Personal touch"].value == 1
    assert "missed on 1 of 1 replies" in scores["Personal touch"].prefill
    assert scores["Solution"].value == 4
    page.screenshot(path=str(screenshot_dir / "quality-journey-review.png"), full_page=True)
    assert page_problems(page) == []
