"""An agent writes a reply without the customer's name, checks it ("Check my reply"), sees the
hint, sends it anyway; the auto-QA mark shows under the sent reply, saying why."""

import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory
from carefront.quality.models import QaMark

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def parcel():
    team = TeamFactory(name="Frontline")
    agent = AgentFactory(email="grace@carefront.test", name="Grace Hopper", role=Role.AGENT)
    team.members.add(agent)
    inbox = InboxFactory(name="Support", teams=[team])
    return conversation_for(
        inbox,
        from_address="ana@example.com",
        from_name="Ana Lima",
        subject="Where is my parcel?",
        body_text="Hello, my parcel has not arrived yet. When will it arrive?",
    )


def test_agent_checks_a_reply_sees_the_hint_sends_and_the_mark_shows(
    live_server, watched_page, parcel, screenshot_dir
):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/c/{parcel.pk}/")
    page.get_by_label("Email").fill("grace@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Where is my parcel?")).to_be_visible()

    body = page.locator("#reply-body")
    body.fill("Hello,\n\nthanks for waiting. The parcel is with the carrier and arrives Friday.")
    page.get_by_role("button", name=re.compile("Check my reply")).click()
    hints = page.locator("[data-reply-check]")
    expect(hints).to_contain_text("Greet the customer by name")
    expect(hints).to_contain_text("Hi Ana,")
    expect(hints.locator('[data-qa-mark="thanks"]')).to_have_attribute("data-qa-outcome", "passed")
    page.screenshot(path=str(screenshot_dir / "quality-check-my-reply.png"), full_page=True)

    # The shortcut works while typing, and checks the text as it is now.
    body.fill("Hi Ana,\n\nthanks for waiting. The parcel is with the carrier and arrives Friday.")
    body.press("Alt+k")
    expect(hints.locator('[data-qa-mark="greets_by_name"]')).to_have_attribute(
        "data-qa-outcome", "passed"
    )

    # Sent as first written (without the name): the mark under the reply says why.
    body.fill("Hello,\n\nthanks for waiting. The parcel is with the carrier and arrives Friday.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Your reply is on its way.")).to_be_visible()
    marks = page.locator("[data-qa-reply-marks]").last
    expect(marks).to_contain_text("to improve")
    marks.locator("summary").click()
    greets = marks.locator('[data-qa-mark="greets_by_name"]')
    expect(greets).to_have_attribute("data-qa-outcome", "missed")
    expect(greets).to_contain_text("Hi Ana,")
    assert QaMark.objects.filter(behaviour="greets_by_name", outcome="missed").exists()
    page.screenshot(path=str(screenshot_dir / "quality-marks-under-reply.png"), full_page=True)

    # The agent's own trends: Quality in the top bar.
    page.get_by_role("link", name="Quality", exact=True).click()
    expect(page.get_by_role("heading", name="Quality of replies")).to_be_visible()
    row = page.locator("[data-qa-row]").first
    expect(row).to_contain_text("Grace Hopper")
    expect(row.locator('[data-qa-cell="greets_by_name"]')).to_contain_text("0 %")
    expect(row.locator('[data-qa-cell="thanks"]')).to_contain_text("100 %")
    page.screenshot(path=str(screenshot_dir / "quality-trends.png"), full_page=True)

    assert page_problems(page) == []
