"""An admin finds a held auto-reply in "Held mail", reads it, releases it, and sees it in its
conversation; releasing again changes nothing."""

import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.models import Message
from carefront.inboxes.services import email_ingest
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_finds_a_held_message_and_releases_it(live_server, watched_page, screenshot_dir):
    AgentFactory(email="ada@carefront.test", name="Ada Admin", role=Role.ADMIN)
    inbox = InboxFactory()
    for n, sender in enumerate(["bob@other.example", "dora@customer.example"]):
        email_ingest(
            inbox=inbox,
            data=(
                f"From: {sender}\r\nTo: {inbox.email_address}\r\n"
                f"Subject: Automatic reply: your question {n}\r\n"
                f"Message-ID: <oof-{n}@example.com>\r\nAuto-Submitted: auto-replied\r\n"
                "Date: Tue, 04 Mar 2025 09:15:00 +0000\r\n\r\n"
                "I am away until Monday; for refunds write to refunds@customer.example.\r\n"
            ).encode(),
            source="test",
        )
    page = watched_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("ada@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()

    page.goto(live_server.url + "/manage/")
    page.get_by_role("link", name="Held mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Held mail")
    expect(page.locator('[data-reason="auto_reply"] .count')).to_have_text("2")
    page.get_by_label("Search by sender or subject").fill("dora@")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("[data-held-row]")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir / "held-mail.png"), full_page=True)

    page.get_by_role("link", name="Automatic reply: your question 1").click()
    expect(page.locator("[data-held-body]")).to_contain_text("away until Monday")
    expect(page.get_by_role("link", name="Download .eml")).to_be_visible()
    page.get_by_role("button", name="Release into a conversation").click()

    expect(page).to_have_url(re.compile(r"/c/\d+/#message-\d+$"))
    expect(page.get_by_text("The message is released into the conversation.")).to_be_visible()
    expect(page.get_by_text("for refunds write to refunds@customer.example")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "held-mail-released.png"), full_page=True)

    # Released: gone from the list; its page links to the conversation and offers no release.
    page.goto(live_server.url + "/manage/held-mail/")
    expect(page.locator('[data-reason="auto_reply"] .count')).to_have_text("1")
    message = Message.objects.get(subject="Automatic reply: your question 1")
    page.goto(f"{live_server.url}/manage/held-mail/{message.raw_id}/")
    expect(page.get_by_text("Released on")).to_be_visible()
    expect(page.get_by_role("button", name="Release into a conversation")).to_have_count(0)
    page.get_by_role("link", name="See it in the conversation").click()
    expect(page.get_by_text("for refunds write to refunds@customer.example")).to_be_visible()
    assert Message.objects.filter(subject="Automatic reply: your question 1").count() == 1
    assert page_problems(page) == []
