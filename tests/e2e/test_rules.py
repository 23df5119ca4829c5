"""Rules in a browser: an admin builds "customer message contains 'refund' → tag refund,
priority high" with the builder (a bad row first), dry-runs it, switches it on; a new email
arrives through the real ingest path and its conversation shows the tag and the trace."""

import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.automation.models import Rule
from carefront.conversations.models import Conversation, Priority
from carefront.inboxes.services import email_ingest
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def _email(inbox, n: int, subject: str, body: str) -> None:
    email_ingest(
        inbox=inbox,
        data=(
            f"From: Ana Lima <ana{n}@customer.example>\r\nTo: {inbox.email_address}\r\n"
            f"Subject: {subject}\r\nMessage-ID: <rules-{n}@customer.example>\r\n"
            "Date: Tue, 04 Mar 2025 09:15:00 +0000\r\n\r\n"
            f"{body}\r\n"
        ).encode(),
        source="test",
    )


def test_an_admin_builds_dry_runs_and_enables_a_rule_that_acts_on_new_mail(
    live_server, watched_page, screenshot_dir
):
    team = TeamFactory(name="Support")
    admin = AgentFactory(email="ada@carefront.test", name="Ada Admin", role=Role.ADMIN)
    team.members.add(admin)
    inbox = InboxFactory(teams=[team])
    _email(inbox, 1, "Money back?", "Hello, I would like a refund for order 12.")
    _email(inbox, 2, "Parcel", "Where is my parcel?")
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("ada@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()

    page.goto(live_server.url + "/manage/")
    page.get_by_role("link", name="Rules", exact=True).click()
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name", exact=True).fill("Refunds")
    page.get_by_label("When", exact=True).select_option("customer_message")
    # The time fields are only for time rules.
    expect(page.get_by_label("After", exact=True)).to_be_hidden()

    all_group = page.locator('[data-rule-group="all"]')
    all_group.locator("[data-rule-field]").first.select_option("message_text")
    all_group.get_by_label("Operator").first.select_option("contains")
    all_group.get_by_label("Value").first.fill("refund")
    # A second condition, added with the button, left without its number on purpose.
    all_group.get_by_role("button", name="Add a condition").click()
    all_group.locator("[data-rule-field]").last.select_option("message_count")

    actions = page.locator("[data-rule-rows=actions]")
    actions.locator("[data-rule-action]").first.select_option("add_tags")
    actions.get_by_label("Tags").first.fill("refund")
    actions.locator("[data-rule-action]").nth(1).select_option("set_priority")
    actions.get_by_label("Priority").first.select_option("high")
    page.get_by_role("button", name="Save").click()

    # Refused next to the row; everything typed is still there.
    expect(page.get_by_text("Enter a number.")).to_be_visible()
    expect(all_group.get_by_label("Value").first).to_have_value("refund")
    expect(actions.get_by_label("Tags").first).to_have_value("refund")
    page.screenshot(path=screenshot_dir / "rule-form-error.png", full_page=True)
    # Remove the bad row (the last condition row with a field) with the keyboard.
    bad_row = all_group.locator("[data-rule-row]").filter(
        has=page.locator('option[value="message_count"][selected]')
    )
    bad_row.get_by_role("button", name="Remove").focus()
    page.keyboard.press("Enter")
    expect(all_group.locator('option[value="message_count"][selected]')).to_have_count(0)

    page.get_by_role("button", name="Dry run").click()
    expect(page.locator("[data-dry-run-count]")).to_have_text(
        "Would have matched 1 of the last 2 conversations."
    )
    expect(page.locator(".dry-run-matches")).to_contain_text("Money back?")
    page.screenshot(path=screenshot_dir / "rule-dry-run.png", full_page=True)
    assert not Rule.objects.exists()

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Rule Refunds is created.")).to_be_visible()
    page.get_by_role("link", name="Rules", exact=True).click()
    page.get_by_role("switch", name="“Refunds” is on").click()
    expect(page.get_by_text("Rule Refunds is on.")).to_be_visible()
    expect(page.get_by_role("switch", name="“Refunds” is on")).to_have_attribute(
        "aria-checked", "true"
    )
    page.screenshot(path=screenshot_dir / "rules.png", full_page=True)

    # A new email, through the same path as every inbound message.
    _email(inbox, 3, "Refund please", "The blender broke, I want a refund.")
    conversation = Conversation.objects.get(subject="Refund please")
    assert conversation.priority == Priority.HIGH
    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    expect(page.locator(".tag-list")).to_contain_text("refund")
    page.get_by_text("Rules that ran on this conversation").click()
    trace = page.locator("[data-automation-panel]")
    expect(trace.locator('[data-rule-run="matched"]')).to_contain_text("Refunds")
    expect(trace).to_contain_text("message_text")
    page.screenshot(path=screenshot_dir / "rule-trace.png", full_page=True)

    problems = page_problems(page)
    # The refused save answered 400, as a form with errors does; nothing else went wrong.
    assert all("status of 400" in p for p in problems), problems


def test_an_agent_applies_a_macro_with_alt_m_and_sends_it(live_server, watched_page):
    from carefront.automation.services import saved_reply_create
    from carefront.conversations.models import Status
    from carefront.conversations.tests.factories import conversation_for

    team = TeamFactory(name="Support")
    lead = AgentFactory(role=Role.LEAD)
    agent = AgentFactory(email="grace@carefront.test", name="Grace Hopper", role=Role.AGENT)
    team.members.add(agent)
    inbox = InboxFactory(teams=[team])
    conversation = conversation_for(
        inbox, from_name="Ana Lima", subject="Refund?", body_text="Where is my refund?"
    )
    saved_reply_create(
        actor=lead,
        title="Refund sent",
        body="Hi {{ customer.first_name }}, your refund is on its way.",
        actions=[
            {"type": "add_tags", "params": {"tags": ["billing"]}},
            {"type": "set_status", "params": {"status": "solved"}},
        ],
    )
    page = watched_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("grace@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/c/{conversation.pk}/")

    # Alt+M from the reply box: the saved reply goes in, and the reply says what it also does.
    page.locator("#reply-body").focus()
    page.keyboard.press("Alt+m")
    expect(page.locator("#reply-body")).to_have_value(
        re.compile(r"^Hi Ana, your refund is on its way\.")
    )
    expect(page.get_by_label("Will also: tag billing; set status Solved")).to_be_checked()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Your reply is on its way.")).to_be_visible()
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED
    assert list(conversation.tags.values_list("name", flat=True)) == ["billing"]
    assert page_problems(page) == []
