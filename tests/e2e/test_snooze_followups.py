"""An agent snoozes a conversation with the `z` shortcut: it leaves the open folder for the
snoozed one; then promises a follow-up in a reply, with the sentence inserted by the button."""

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.models import Status
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory
from carefront.sla.models import FollowUp, FollowUpState

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workspace():
    team = TeamFactory(name="Frontline")
    agent = AgentFactory(
        email="grace@carefront.test",
        name="Grace Hopper",
        role=Role.AGENT,
        time_zone="Europe/Berlin",
    )
    team.members.add(agent)
    inbox = InboxFactory(name="Support", teams=[team])
    parcel = conversation_for(
        inbox,
        from_address="ana@example.com",
        from_name="Ana Lima",
        subject="Where is my parcel?",
        body_text="Hello, my parcel has not arrived yet.",
    )
    refund = conversation_for(
        inbox,
        from_address="bruno@example.com",
        from_name="Bruno Diaz",
        subject="Refund for order 1042",
        body_text="I returned the shoes two weeks ago.",
    )
    customer = refund.customer
    customer.language = "de"
    customer.save(update_fields=["language"])
    return {"agent": agent, "parcel": parcel, "refund": refund}


def _sign_in(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Email").fill("grace@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()


def test_snooze_with_the_shortcut_and_the_conversation_leaves_the_open_folder(
    live_server, watched_page, workspace, screenshot_dir
):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    parcel = workspace["parcel"]
    _sign_in(page, live_server.url + f"/login/?next=/c/{parcel.pk}/")
    expect(page.get_by_role("heading", name="Where is my parcel?")).to_be_visible()
    page.wait_for_load_state("load")  # app.js (deferred) handles the shortcuts

    page.keyboard.press("z")
    tomorrow = page.locator("[data-snooze-preset='tomorrow']")
    expect(page.locator("[data-snooze-preset]").first).to_be_focused()  # `z` opened the menu
    page.screenshot(path=str(screenshot_dir / "snooze-menu.png"), full_page=True)
    if page.locator("[data-snooze-preset='later']").count():
        # "Later today" comes first while it is still today: move on to "Tomorrow morning".
        page.keyboard.press("Tab")
    expect(tomorrow).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".conversation-facts [data-snoozed-until]")).to_be_visible()
    expect(page.get_by_role("button", name="Wake now")).to_be_visible()
    parcel.refresh_from_db()
    assert parcel.status == Status.SNOOZED
    # Tomorrow 9:00 in the agent's time zone.
    assert parcel.snoozed_until.astimezone(ZoneInfo("Europe/Berlin")).hour == 9
    page.screenshot(path=str(screenshot_dir / "snoozed.png"), full_page=True)

    page.goto(live_server.url + "/?folder=open")
    expect(page.get_by_text("Refund for order 1042")).to_be_visible()
    expect(page.get_by_text("Where is my parcel?")).to_have_count(0)
    page.get_by_role("link", name=re.compile(r"^Snoozed")).click()
    expect(page.get_by_text("Where is my parcel?")).to_be_visible()
    expect(page.locator(".conversation-row .badge-snoozed")).to_contain_text("Snoozed until")
    assert page_problems(page) == []


def test_promise_a_follow_up_in_a_reply_with_the_sentence_in_the_customers_language(
    live_server, watched_page, workspace, screenshot_dir
):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    refund = workspace["refund"]
    _sign_in(page, live_server.url + f"/login/?next=/c/{refund.pk}/")
    expect(page.get_by_role("heading", name="Refund for order 1042")).to_be_visible()

    page.get_by_label(re.compile("^Reply to")).fill("Hallo Bruno, ich frage im Lager nach.")
    page.get_by_text("Promise a follow-up", exact=True).click()
    page.get_by_label("I will get back by").fill("2027-01-08T09:00")
    page.get_by_role("button", name="Insert the promise in the reply").click()
    body = page.get_by_label(re.compile("^Reply to"))
    expect(body).to_have_value(re.compile(r"Ich melde mich bis Freitag, 8\. Januar 2027"))
    page.screenshot(path=str(screenshot_dir / "promise-composer.png"), full_page=True)
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.locator("[data-follow-up]")).to_be_visible()
    expect(page.locator(".conversation-facts [data-snoozed-until]")).to_be_visible()
    follow_up = FollowUp.objects.get()
    assert follow_up.state == FollowUpState.OPEN
    assert follow_up.customer_text.startswith("Ich melde mich bis Freitag, 8. Januar 2027")
    expect(page.locator(f"[data-follow-up='{follow_up.pk}']")).to_be_visible()

    page.get_by_role("link", name="Follow-ups", exact=True).click()
    expect(page.get_by_role("heading", name="My follow-ups")).to_be_visible()
    expect(page.get_by_text("Refund for order 1042")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "my-follow-ups.png"), full_page=True)
    assert page_problems(page) == []
