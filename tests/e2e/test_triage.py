"""An agent opens a conversation, sees its triage (loaded after the page) with the reasons,
and corrects the intent; the correction stays after a reload."""

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.automation.models import ConversationTriage
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_sees_the_triage_and_corrects_the_intent(live_server, watched_page):
    team = TeamFactory(name="Frontline")
    agent = AgentFactory(email="bo@carefront.test", name="Bo Agent", role=Role.AGENT)
    team.members.add(agent)
    inbox = InboxFactory(name="Support", teams=[team])
    conversation = conversation_for(
        inbox,
        subject="URGENT: shop is down",
        body_text="Our shop has been down since this morning, this is terrible!!!",
    )
    page = watched_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("bo@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/c/{conversation.pk}/")

    panel = page.locator("[data-triage-panel]")
    expect(panel.locator("[data-triage-language]")).to_contain_text("en")
    expect(panel.locator("[data-triage-urgency]")).to_contain_text("high")
    panel.get_by_text("Why").click()
    expect(panel).to_contain_text("an outage")

    panel.get_by_label("Correct the intent").select_option("__new__")
    panel.get_by_placeholder("New intent").fill("outage")
    panel.get_by_role("button", name="Save").click()
    expect(page.locator("[data-triage-intent]")).to_contain_text("outage")
    assert ConversationTriage.objects.get(conversation=conversation).intent_corrected == "outage"

    page.reload()
    expect(page.locator("[data-triage-intent]")).to_contain_text("corrected by Bo Agent")
    assert page_problems(page) == []
