"""Self-service in the browser: the contact form suggests articles as the customer types
(suggestions monkeypatched), records "this answered my question", and sends; a customer signs
in to the portal by an emailed link and replies."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.models import Conversation, Direction, Message
from carefront.conversations.services import conversation_reply
from carefront.conversations.tests.factories import conversation_for
from carefront.customers.tests.factories import CustomerFactory
from carefront.inboxes.tests.factories import InboxFactory
from carefront.knowledge.models import ContactDeflection, ContactForm, ContactSubmission
from carefront.knowledge.suggestions import ArticleSuggestion

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def _suggest(text, **kwargs):
    if "refund" not in text.lower():
        return []
    return [
        ArticleSuggestion(
            article_id=41,
            title="How refunds work",
            url="/help/articles/41-how-refunds-work/",
            snippet="Refunds reach your account within five days.",
            score=1.0,
        )
    ]


def test_the_contact_form_suggests_articles_and_sends(
    live_server, watched_page, monkeypatch, screenshot_dir
):
    monkeypatch.setattr("carefront.web.views.contact_form.article_suggestions", _suggest)
    monkeypatch.setattr("carefront.knowledge.services.contact.MIN_FILL_SECONDS", 0)
    inbox = InboxFactory(teams=[TeamFactory()])
    ContactForm.objects.create(inbox=inbox, slug="support", is_enabled=True, title="Write to us")
    page = watched_page
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/help/contact/support/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Write to us")

    page.get_by_label("Subject").press_sequentially("Where is my refund")
    suggestion = page.get_by_role("link", name="How refunds work")
    expect(suggestion).to_be_visible()
    page.screenshot(path=screenshot_dir / "contact-form-phone.png", full_page=True)
    page.get_by_role("button", name="This answered my question").click()
    expect(page.get_by_text("Glad we could help!")).to_be_visible()
    assert ContactDeflection.objects.get().article_id == 41

    page.get_by_label("How can we help?").fill("I returned the parcel two weeks ago.")
    page.get_by_label("Your email address").fill("ana@example.com")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, we have your message")
    conversation = Conversation.objects.get()
    assert conversation.subject == "Where is my refund"
    assert ContactSubmission.objects.get().confirmed_at is None
    assert page_problems(page) == []


def test_a_customer_signs_in_to_the_portal_by_link_and_replies(
    live_server, watched_page, screenshot_dir
):
    team = TeamFactory()
    agent = AgentFactory()
    team.members.add(agent)
    inbox = InboxFactory(teams=[team])
    CustomerFactory(email="ana@example.com", name="Ana Lima")
    conversation = conversation_for(
        inbox, from_address="ana@example.com", subject="Where is my parcel?", body_text="Hello?"
    )
    conversation_reply(conversation=conversation, author=agent, body="It ships today.")
    page = watched_page
    page.goto(f"{live_server.url}/portal/")
    page.get_by_label("Your email address").fill("ana@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    path = next(
        m.group(0)
        for message in reversed(mail.outbox)
        if (m := re.search(r"/portal/sign-in/[\w-]{20,}/", message.body))
    )
    page.goto(f"{live_server.url}{path}")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your conversations")
    page.get_by_role("link", name="Where is my parcel?").click()
    expect(page.get_by_text("It ships today.")).to_be_visible()
    page.get_by_label("Your reply").fill("Thank you, it arrived.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Thank you, it arrived.")).to_be_visible()
    page.screenshot(path=screenshot_dir / "portal-conversation.png", full_page=True)
    reply = Message.objects.get(body_text="Thank you, it arrived.")
    assert (reply.direction, reply.channel, reply.conversation_id) == (
        Direction.INCOMING,
        "portal",
        conversation.pk,
    )
    assert page_problems(page) == []


def test_the_agent_inserts_a_suggested_article_in_the_reply(
    live_server, watched_page, monkeypatch, screenshot_dir
):
    monkeypatch.setattr("carefront.web.views.composer_articles.article_suggestions", _suggest)
    team = TeamFactory()
    agent = AgentFactory(email="grace@carefront.test")
    team.members.add(agent)
    inbox = InboxFactory(teams=[team])
    conversation = conversation_for(
        inbox, from_address="ana@example.com", subject="Refund?", body_text="Where is my refund?"
    )
    page = watched_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("grace@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    expect(page.get_by_role("link", name="How refunds work")).to_be_visible()
    page.get_by_role("button", name="Insert link").click()
    expect(page.locator("#reply-body")).to_have_value(
        re.compile(r"How refunds work: http://[^ ]+/help/articles/41-how-refunds-work/")
    )
    page.locator(".composer-articles").screenshot(path=screenshot_dir / "composer-articles.png")
    page.get_by_label("Search articles").fill("nothing here")
    expect(page.get_by_text("No article matches.")).to_be_visible()
    assert page_problems(page) == []
