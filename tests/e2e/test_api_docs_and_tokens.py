"""The API docs render from local files under the strict CSP; an agent creates a token in the UI
and a program uses it."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_renders_without_cdn_or_csp_violation(live_server, watched_page, screenshot_dir):
    page = watched_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Carefront API")
    expect(page.get_by_text("/api/v1/conversations").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "api-docs.png"), full_page=False)
    assert page_problems(page) == []
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested)


def test_agent_creates_a_token_and_a_program_uses_it(live_server, watched_page):
    team = TeamFactory(name="Frontline")
    agent = AgentFactory(email="grace@carefront.test", name="Grace", role=Role.AGENT)
    team.members.add(agent)
    conversation = conversation_for(InboxFactory(teams=[team]), subject="Broken lamp")

    page = watched_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("grace@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/profile/")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("Shop integration")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").input_value()
    assert token.startswith("cf_")
    assert page_problems(page) == []

    request = urllib.request.Request(  # noqa: S310 - the live server on loopback
        live_server.url + "/api/v1/conversations",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body = json.load(response)
    assert [item["subject"] for item in body["items"]] == ["Broken lamp"]
    assert body["items"][0]["id"] == conversation.pk

    page.goto(live_server.url + "/profile/tokens/")  # shown once: a fresh page does not hold it
    assert page.locator("#new-token").count() == 0
    page.get_by_role("button", name="Revoke “Shop integration”").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
