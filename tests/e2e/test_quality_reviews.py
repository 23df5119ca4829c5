"""A lead builds a scorecard, reviews an agent's conversation with it from the conversation page;
the agent is notified, opens the review from the notification and disputes it; the lead sees
the dispute and resolves it."""

import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.inboxes.tests.factories import InboxFactory
from carefront.quality.models import Review
from carefront.quality.tests.factories import replied

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, url: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(url + "/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()


def test_a_lead_reviews_and_the_agent_disputes(live_server, watched_page, screenshot_dir):
    team = TeamFactory()
    agent = AgentFactory(name="Grace Hopper", email="grace@carefront.test")
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead", email="lena@carefront.test")
    team.members.add(agent, lead)
    conversation, _reply = replied(
        InboxFactory(teams=[team]), agent, body="You should have read the manual."
    )
    page = watched_page

    # The lead builds a scorecard.
    sign_in(page, live_server.url, "lena@carefront.test")
    page.get_by_role("link", name="Reviews", exact=True).first.click()
    page.get_by_role("link", name="Scorecards").click()
    page.get_by_role("link", name="New scorecard").click()
    page.get_by_label("Name", exact=True).fill("Support basics")
    page.get_by_label("Scale").select_option("1-4")
    page.locator("#cat-0-name").fill("Tone")
    page.locator("#cat-0-weight").fill("2")
    page.locator("#cat-0-critical").check()
    page.locator("#cat-1-name").fill("Solution")
    page.get_by_role("button", name="Save the scorecard").click()
    expect(page.locator("[data-scorecard]")).to_contain_text("Support basics")

    # ...and reviews the conversation from its page.
    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    page.locator("[data-review-link]").click()
    page.get_by_label("Tone").select_option("1")
    page.get_by_label("Solution").select_option("3")
    page.get_by_label("Overall comment").fill("Please avoid blaming the customer.")
    page.get_by_role("button", name="Save the review").click()
    expect(page.locator("[data-failed]")).to_be_visible()
    review = Review.objects.get()
    assert review.failed and review.agent == agent
    page.screenshot(path=str(screenshot_dir / "quality-review.png"), full_page=True)

    # The agent is notified, opens the review and disputes it.
    sign_in(page, live_server.url, "grace@carefront.test")
    page.goto(live_server.url + "/notifications/")
    page.get_by_role("link", name=re.compile("Your conversation was reviewed")).click()
    expect(page).to_have_url(re.compile(rf"/quality/reviews/{review.pk}/$"))
    expect(page.get_by_text("Please avoid blaming the customer.")).to_be_visible()
    page.get_by_label(re.compile("Your answer")).fill("The customer asked me to be direct.")
    page.get_by_role("button", name="Dispute this review").click()
    expect(page.locator("[data-state=disputed]").first).to_be_visible()
    expect(page.locator("[data-dispute]")).to_contain_text("be direct")

    # The lead sees the dispute and rejects it with a reason.
    sign_in(page, live_server.url, "lena@carefront.test")
    page.goto(live_server.url + "/quality/reviews/?state=disputed")
    page.locator(f'[data-review-row="{review.pk}"] a').click()
    page.get_by_label(re.compile("Reject")).check()
    page.get_by_label(re.compile("Why")).fill("Direct is fine; blaming is not.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("[data-resolution]")).to_contain_text("Dispute rejected")
    review.refresh_from_db()
    assert review.state == "dispute_rejected"
    assert page_problems(page) == []
