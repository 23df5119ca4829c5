"""A customer follows a survey link on a phone-sized screen, rates, comments, changes their mind."""

import pytest
from playwright.sync_api import expect

from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.feedback.models import Rating
from carefront.feedback.tests.factories import sent_survey
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_rates_from_the_email_link(live_server, watched_page, screenshot_dir):
    team = TeamFactory()
    agent = AgentFactory()
    team.members.add(agent)
    _survey, token = sent_survey(InboxFactory(teams=[team]), agent)
    page = watched_page
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/rate/{token}/?score=not_good")
    expect(page.get_by_role("heading", level=1)).to_have_text("How did we do?")
    expect(page.get_by_label("Not good")).to_be_checked()
    assert not Rating.objects.exists()  # opening the link records nothing
    page.get_by_label("Anything you would like to add? (optional)").fill("It took a week.")
    page.screenshot(path=screenshot_dir / "rating-page-phone.png", full_page=True)
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    assert list(Rating.objects.values_list("score", "comment")) == [("not_good", "It took a week.")]

    page.get_by_role("link", name="change your rating").click()
    page.get_by_text("Great", exact=True).click()
    page.get_by_role("button", name="Change my rating").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    assert Rating.objects.get().score == "great"
    assert page_problems(page) == []
