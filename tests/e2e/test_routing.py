"""Availability and chat offers in a real browser: the agent sets themselves online from the top
bar (no reload, CSP clean), a chat is routed to them, the offer appears (the realtime socket
dispatches `carefront:notice`; here the test dispatches the same event with the offer the server
built) and Accept opens the conversation, now assigned to them."""

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Agent, Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.automation.models import ChatRouting, ChatState
from carefront.automation.routing import _offer_data, chat_route, chat_times
from carefront.conversations.models import Conversation
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    team = TeamFactory(name="Chat team")
    agent = AgentFactory(email="olga@carefront.test", name="Olga Agent", role=Role.AGENT)
    team.members.add(agent)
    inbox = InboxFactory(name="Website chat", teams=[team], channel="chat")
    return agent, inbox


def test_status_menu_and_a_chat_offer(live_server, watched_page, world, screenshot_dir):
    agent, inbox = world
    page = watched_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("olga@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()

    menu = page.locator("[data-availability-menu] summary")
    expect(menu).to_contain_text("Offline")
    menu.click()
    page.locator("[data-availability-form] button[value=online]").click()
    expect(menu).to_contain_text("Online")
    for _ in range(50):
        if Agent.objects.get(pk=agent.pk).availability == "online":
            break
        page.wait_for_timeout(100)
    assert Agent.objects.get(pk=agent.pk).availability == "online"

    chat = conversation_for(inbox, subject="Can I change my order?")
    assert chat_route(conversation_id=chat.pk).agent_id == agent.pk
    routing = ChatRouting.objects.select_related("conversation__customer", "inbox").get(pk=chat.pk)
    offer = _offer_data(routing, chat_times(inbox_id=inbox.pk))
    page.evaluate(
        "offer => document.dispatchEvent(new CustomEvent('carefront:notice', "
        "{detail: {kind: 'chat_offer', data: offer}}))",
        offer,
    )
    card = page.locator(f'[data-offer="{chat.pk}"]')
    expect(card).to_be_visible()
    expect(card).to_contain_text("Website chat")
    page.screenshot(path=str(screenshot_dir / "chat-offer.png"), full_page=True)

    card.get_by_role("button", name="Accept").click()
    page.wait_for_url(f"**/c/{chat.pk}/")
    assert Conversation.objects.get(pk=chat.pk).assignee_id == agent.pk
    assert ChatRouting.objects.get(pk=chat.pk).state == ChatState.ACCEPTED
    assert page_problems(page) == []
