"""Realtime agent pages: two agents in two browser contexts, a customer writing meanwhile."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.models import Message
from carefront.conversations.tests.factories import conversation_for, receive
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 10_000  # ms: live updates come in well under a second; this is a ceiling, not a pace


@pytest.fixture
def desk():
    team = TeamFactory(name="Frontline")
    ana = AgentFactory(email="ana@carefront.test", name="Ana Agent", role=Role.AGENT)
    ben = AgentFactory(email="ben@carefront.test", name="Ben Agent", role=Role.AGENT)
    team.members.add(ana, ben)
    inbox = InboxFactory(name="Support", teams=[team])
    parcel = conversation_for(
        inbox,
        message_id="parcel@example.com",
        from_address="lea@example.com",
        from_name="Lea Customer",
        subject="Where is my parcel?",
        body_text="Hello, my parcel has not arrived yet.",
    )
    return {"inbox": inbox, "parcel": parcel, "ana": ana, "ben": ben}


def _signed_in(browser, url: str, email: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    page.goto(url + "/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
    return context, page


def _customer_writes(desk, text: str):
    return receive(
        desk["inbox"],
        from_address="lea@example.com",
        from_name="Lea Customer",
        in_reply_to=["parcel@example.com"],
        body_text=text,
    )


def test_two_agents_see_each_other_and_new_messages_live(
    browser, live_server, desk, screenshot_dir
):
    parcel_url = live_server.url + reverse("web:conversation", args=[desk["parcel"].pk])
    ana_context, ana = _signed_in(browser, live_server.url, "ana@carefront.test")
    ben_context, ben = _signed_in(browser, live_server.url, "ben@carefront.test")
    try:
        _journey(live_server, desk, screenshot_dir, parcel_url, ana_context, ana, ben_context, ben)
    finally:
        # Sockets closed while the test may still use the database.
        ana_context.close()
        ben_context.close()


def _journey(live_server, desk, screenshot_dir, parcel_url, ana_context, ana, ben_context, ben):
    ben_inbox = ben_context.new_page()
    ben_inbox.goto(live_server.url + "/")
    expect(ben_inbox.locator("[data-live-status]")).to_have_text("Live", timeout=WAIT)

    ana.goto(parcel_url)
    expect(ana.locator("[data-live-status]")).to_have_text("Live", timeout=WAIT)
    ben.goto(parcel_url)

    # Presence, both ways, and typing.
    expect(ben.locator("[data-presence]")).to_contain_text("Ana Agent is viewing", timeout=WAIT)
    expect(ana.locator("[data-presence]")).to_contain_text("Ben Agent is viewing", timeout=WAIT)
    ben.locator("#reply-body").press_sequentially("Let me look")
    expect(ana.locator("[data-presence]")).to_contain_text(
        "Ben Agent is typing a reply", timeout=WAIT
    )

    # A customer's message lands in the open conversation without a reload.
    _customer_writes(desk, "Any news about my parcel?")
    expect(ana.locator("ol.timeline")).to_contain_text("Any news about my parcel?", timeout=WAIT)
    # A new conversation appears in Ben's list, and the folder counts move.
    receive(desk["inbox"], subject="Refund for order 1042", body_text="I sent the shoes back.")
    expect(ben_inbox.locator("[data-conversation-list]")).to_contain_text(
        "Refund for order 1042", timeout=WAIT
    )
    ben.screenshot(path=str(screenshot_dir / "realtime-presence.png"), full_page=True)

    # The traffic cop: Ana writes; Ben replies first; Ana is told at once and her send is held.
    # (Ben had typed before the customer's message came: his page would hold his send too.)
    ben.reload()
    ana.locator("#reply-body").fill("Hello Lea, it left our warehouse today.")
    ben.locator("#reply-body").fill("Hi Lea, I am checking with the carrier.")
    ben.get_by_role("button", name="Send", exact=True).click()
    expect(ben.locator(".flash")).to_contain_text("on its way", timeout=WAIT)
    expect(ana.locator("[data-live-collision]")).to_contain_text(
        "Ben Agent just replied", timeout=WAIT
    )
    ana.get_by_role("button", name="Send", exact=True).click()
    collision = ana.locator("[data-collision]")
    expect(collision).to_contain_text("I am checking with the carrier.", timeout=WAIT)
    expect(ana.locator("#reply-body")).to_have_value(
        re.compile("Hello Lea, it left our warehouse today.")
    )
    assert not Message.objects.filter(author=desk["ana"]).exists()
    ana.screenshot(path=str(screenshot_dir / "realtime-collision.png"), full_page=True)
    ana.get_by_role("button", name="Send", exact=True).click()  # send anyway
    expect(ana.locator(".flash")).to_contain_text("on its way", timeout=WAIT)
    assert Message.objects.filter(author=desk["ana"]).count() == 1

    # Cut Ana's connection; the customer writes meanwhile; back online, nothing is missing.
    expect(ana.locator("[data-live-status]")).to_have_text("Live", timeout=WAIT)
    ana_context.set_offline(True)  # no reconnection until back online
    ana.evaluate("window.CarefrontLive.drop()")  # an open socket survives "offline": cut it
    expect(ana.locator("[data-live-status]")).to_have_text("Reconnecting…", timeout=WAIT)
    _customer_writes(desk, "Written while you were offline.")
    ana_context.set_offline(False)
    expect(ana.locator("[data-live-status]")).to_have_text("Live", timeout=40_000)
    expect(ana.locator("ol.timeline")).to_contain_text(
        "Written while you were offline.", timeout=WAIT
    )

    for page in (ana, ben, ben_inbox):
        assert page.problems == []


def test_pages_work_and_say_so_when_the_socket_is_refused(live_server, watched_page, desk):
    """Signed out (the session ended): the socket closes 4401, the page says it is offline
    and stays usable (manual refresh)."""
    page = watched_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("ana@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-live-status]")).to_have_text("Live", timeout=WAIT)
    assert page_problems(page) == []
    page.close()
