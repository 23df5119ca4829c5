"""A customer's bad rating becomes a recovery task: the lead finds it flagged on the
conversation and in their Recovery list, records the outcome, and the flag goes away."""

import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.models import Conversation
from carefront.feedback.models import RecoveryTask
from carefront.feedback.tests.factories import sent_survey
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_bad_rating_is_followed_up_until_its_task_is_closed(
    live_server, watched_page, screenshot_dir
):
    team = TeamFactory()
    agent = AgentFactory(name="Grace Hopper")
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead", email="lena@carefront.test")
    team.members.add(agent, lead)
    _survey, token = sent_survey(InboxFactory(teams=[team]), agent)
    page = watched_page

    # The customer rates "not good" from the survey link.
    page.goto(f"{live_server.url}/rate/{token}/?score=not_good")
    page.get_by_label("Anything you would like to add? (optional)").fill("Nobody answered me.")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    task = RecoveryTask.objects.get()
    assert task.owner == lead

    # The lead signs in and finds it in their Recovery list.
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("lena@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Recovery", exact=True).click()
    row = page.locator(f'[data-recovery-row="{task.pk}"]')
    expect(row).to_contain_text("Nobody answered me.")
    expect(row).to_contain_text("Lena Lead")

    # The conversation is flagged, and links to the task.
    conversation = Conversation.objects.get(pk=task.conversation_id)
    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    expect(page.locator(f'[data-recovery-flag="{task.pk}"]')).to_be_visible()
    page.get_by_role("link", name="Open the recovery task").click()
    expect(page).to_have_url(re.compile(rf"/recovery/{task.pk}/$"))

    # Closing needs an outcome; then it is recorded with the note.
    page.get_by_role("button", name="Close the task").click()
    expect(page).to_have_url(re.compile(rf"/recovery/{task.pk}/$"))
    page.get_by_label("Resolved").check()
    page.get_by_label("Note").fill("Called her, a new parcel is on its way.")
    page.screenshot(path=screenshot_dir / "recovery-task.png", full_page=True)
    page.get_by_role("button", name="Close the task").click()
    expect(page.locator("[data-outcome]")).to_have_text("Resolved")
    task.refresh_from_db()
    assert (task.state, task.outcome, task.closed_by) == ("closed", "resolved", lead)

    # The flag is gone; the timeline says what was done.
    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    expect(page.locator("[data-recovery-flag]")).to_have_count(0)
    expect(page.get_by_text("Lena Lead closed the recovery task: Resolved")).to_be_visible()

    # The report counts it, on time.
    page.get_by_role("link", name="Recovery", exact=True).click()
    page.get_by_role("link", name="Report", exact=True).click()
    expect(page.locator("[data-closed]")).to_contain_text("1 · 100 % on time")
    page.screenshot(path=screenshot_dir / "recovery-report.png", full_page=True)
    assert page_problems(page) == []
