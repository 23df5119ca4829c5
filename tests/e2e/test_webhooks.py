"""An admin subscribes a loopback receiver, sends a test event and reads the delivery."""

import json
import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.webhooks.tests.conftest import receiver  # noqa: F401 - the loopback receiver
from carefront.webhooks.tests.helpers import independent_signature, parse_signature_header

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_creates_a_webhook_and_sends_a_test_event(
    live_server,
    watched_page,
    receiver,  # noqa: F811
    screenshot_dir,
):
    AgentFactory(email="ada@carefront.test", name="Ada Admin", role=Role.ADMIN)
    page = watched_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("ada@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/manage/webhooks/")
    page.get_by_role("link", name="New webhook").click()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description").fill("CRM sync")
    page.get_by_label(re.compile(r"conversation\.created")).check()
    page.get_by_label(re.compile(r"message\.created")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(receiver.url)

    page.get_by_text("Show the secret").click()
    secret = page.locator("code.secret").inner_text()
    assert secret.startswith("whsec_")
    page.screenshot(path=str(screenshot_dir / "webhook.png"), full_page=True)

    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("Response status")).to_be_visible()
    expect(page.locator(".badge")).to_have_text("Succeeded")
    page.screenshot(path=str(screenshot_dir / "webhook-delivery.png"), full_page=True)

    [request] = receiver.requests
    assert json.loads(request.body)["type"] == "ping"
    timestamp, signature = parse_signature_header(request.headers["Carefront-Signature"])
    assert signature == independent_signature(secret, timestamp, request.body)

    # Paused by hand: the notice shows across the admin area.
    page.get_by_role("link", name=re.compile("127.0.0.1")).click()
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("This webhook is paused")).to_be_visible()
    page.goto(live_server.url + "/manage/teams/")
    expect(page.get_by_text("A webhook is paused")).to_be_visible()
    page.goto(live_server.url + "/manage/webhooks/")
    expect(page.get_by_text("Paused by Ada Admin.")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "webhooks-paused.png"), full_page=True)
    assert page_problems(page) == []
