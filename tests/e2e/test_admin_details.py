"""Details of the admin area in a real browser: IMAP "Test connection" answers inline, the
served docs and their links, the webhook URL field looks like its neighbours, the token
form's access choice is a labelled group."""

import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.inboxes.tests.conftest import (  # noqa: F401 - the real dovecot on loopback
    dovecot_server,
    imap_server,
)
from carefront.inboxes.tests.factories import InboxFactory
from tests.support.mail import email_bytes

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)

SAME_LOOK = ["border-top-width", "border-top-color", "border-radius", "padding-left", "font-size"]


@pytest.fixture
def admin_page(live_server, watched_page):
    AgentFactory(email="ada@carefront.test", name="Ada Admin", role=Role.ADMIN)
    page = watched_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("ada@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-conversation-list]")).to_be_visible()
    return page


def test_imap_test_connection_answers_inline(
    live_server,
    admin_page,
    imap_server,  # noqa: F811
    screenshot_dir,
):
    imap_server.append(email_bytes())
    imap_server.append(email_bytes())
    inbox = InboxFactory(name="Support")
    page = admin_page
    page.goto(live_server.url + f"/manage/inboxes/{inbox.pk}/")
    page.get_by_label("IMAP host").fill(imap_server.host)
    page.get_by_label("Port", exact=True).fill(str(imap_server.port))
    page.get_by_label("Use TLS").uncheck()
    page.get_by_label("Username", exact=True).fill(imap_server.username)
    page.get_by_label("Password", exact=True).fill("wrong")
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#imap-check-result")
    expect(result).to_contain_text("Signing in as support failed")

    page.get_by_label("Password", exact=True).fill(imap_server.password)
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_contain_text("Connected and signed in; folder INBOX has 2 messages.")
    # htmx swapped the result in: still the same page, typed values kept, nothing saved.
    assert page.url == live_server.url + f"/manage/inboxes/{inbox.pk}/"
    expect(page.get_by_label("Password", exact=True)).to_have_value(imap_server.password)
    page.screenshot(path=str(screenshot_dir / "imap-test-connection.png"), full_page=True)
    assert page_problems(page) == []


def test_webhooks_page_links_to_the_served_docs(live_server, admin_page, screenshot_dir):
    page = admin_page
    page.goto(live_server.url + "/manage/webhooks/")
    page.get_by_role("link", name="webhooks guide").click()
    expect(page).to_have_url(live_server.url + "/docs/webhooks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    page.screenshot(path=str(screenshot_dir / "docs-webhooks.png"))
    # A link written as [..](api.md) in the Markdown leads to the served API guide.
    page.locator(".doc-body a[href^='/docs/api/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The REST API")
    page.get_by_role("link", name="Help", exact=True).click()
    expect(page.get_by_role("link", name=re.compile("Admin guide"))).to_be_visible()
    assert page_problems(page) == []


def test_webhook_url_field_looks_like_the_other_inputs(live_server, admin_page, screenshot_dir):
    page = admin_page
    page.goto(live_server.url + "/manage/webhooks/new/")
    url = page.get_by_label("URL")
    description = page.get_by_label("Description")
    for prop in SAME_LOOK:
        url_value = url.evaluate(f"e => getComputedStyle(e).getPropertyValue('{prop}')")
        description_value = description.evaluate(
            f"e => getComputedStyle(e).getPropertyValue('{prop}')"
        )
        assert url_value == description_value, prop
    assert url.bounding_box()["width"] == description.bounding_box()["width"]
    page.screenshot(path=str(screenshot_dir / "webhook-form.png"))


def test_token_access_choice_is_a_labelled_group(live_server, admin_page, screenshot_dir):
    page = admin_page
    page.goto(live_server.url + "/profile/tokens/")
    group = page.get_by_role("group", name="Access")
    expect(group).to_be_visible()
    expect(group.get_by_role("radio")).to_have_count(2)
    page.screenshot(path=str(screenshot_dir / "tokens-form.png"))
