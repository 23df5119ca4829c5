"""Notifications in a real browser: an SLA breach lights the bell, the agent opens the page,
marks one read in place (the bell follows without a reload) and opens the other's conversation."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.services import conversation_assign
from carefront.conversations.tests.factories import conversation_for
from carefront.core.events import publish
from carefront.inboxes.tests.factories import InboxFactory
from carefront.sla.events import SlaTargetBreached

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    team = TeamFactory(name="Frontline")
    agent = AgentFactory(email="gus@carefront.test", name="Gus Agent", role=Role.AGENT)
    team.members.add(agent)
    inbox = InboxFactory(name="Support", teams=[team])
    conversations = []
    for target_id, subject in enumerate(["Where is my parcel?", "Refund please"], start=1):
        conversation = conversation_for(inbox, subject=subject)
        conversation_assign(conversation=conversation, assignee=agent, team=team, actor=agent)
        publish(
            SlaTargetBreached(
                target_id=target_id,
                conversation_id=conversation.pk,
                kind="first_reply",
                due_at=timezone.now(),
                policy_id=None,
                notify=True,
            )
        )
        conversations.append(conversation)
    return conversations


def test_the_bell_leads_to_the_notifications_and_follows_reading_them(
    live_server, watched_page, world, screenshot_dir
):
    page = watched_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("gus@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()

    bell = page.get_by_role("link", name="Notifications: 2 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    rows = page.locator("[data-notification]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("First reply target breached")
    expect(rows.first).to_contain_text("Refund please")  # newest first

    rows.first.get_by_role("button", name="Mark read").click()
    expect(rows.first.get_by_role("button", name="Mark read")).to_have_count(0)
    expect(page.get_by_role("link", name="Notifications: 1 unread")).to_be_visible()

    page.screenshot(path=str(screenshot_dir / "notifications.png"), full_page=True)
    page.get_by_role("link", name="Where is my parcel?").click()
    expect(page.get_by_role("heading", name="Where is my parcel?")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications: none unread")).to_be_visible()
    assert page_problems(page) == []
