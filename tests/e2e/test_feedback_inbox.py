"""A lead reads the feedback inbox in a real browser: a rating's comment arrives, the comments
are grouped, the lead opens a theme, renames it, filters by score and moves a comment."""

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.feedback.models import FeedbackComment, Theme
from carefront.feedback.services import themes_regroup
from carefront.feedback.tests.factories import comment, rated
from carefront.feedback.tests.test_themes import TOPICS
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_lead_works_through_the_feedback_inbox(live_server, watched_page, screenshot_dir):
    team = TeamFactory()
    agent = AgentFactory(name="Ben Agent")
    team.members.add(agent)
    rating = rated(
        InboxFactory(teams=[team]), agent, score="not_good", comment="My refund never arrived"
    )
    for texts in TOPICS.values():
        for text in texts:
            comment(text)
    themes_regroup(k=3)
    refund = FeedbackComment.objects.get(source="csat", source_id=rating.pk).theme
    assert refund is not None

    AgentFactory(email="lea@carefront.test", name="Lea Lead", role=Role.LEAD)
    page = watched_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("lea@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Feedback", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback")
    expect(page.locator("tr[data-comment]")).to_have_count(19)
    page.screenshot(path=screenshot_dir / "feedback-inbox.png", full_page=True)

    page.locator(f'a[data-theme="{refund.pk}"]').click()
    expect(page.locator("tr[data-comment]")).to_have_count(7)
    page.get_by_label("Theme name").fill("Refunds that never came")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refunds that never came")
    page.screenshot(path=screenshot_dir / "feedback-theme.png", full_page=True)

    page.get_by_label("Score").select_option(label="Negative")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("tr[data-comment]")).to_have_count(7)

    row = page.locator(f'tr[data-comment="{FeedbackComment.objects.get(source="csat").pk}"]')
    row.get_by_role("checkbox").check()
    page.get_by_label("Theme to move the ticked comments to").select_option(value="new")
    page.get_by_label("Name of the new theme").fill("Said in a survey")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("1 comments moved to “Said in a survey”.")).to_be_visible()
    assert Theme.objects.get(name="Said in a survey").comment_count == 1

    page.get_by_role("link", name="Themes over time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Themes over time")
    page.screenshot(path=screenshot_dir / "feedback-themes-over-time.png", full_page=True)
    assert page_problems(page) == []
