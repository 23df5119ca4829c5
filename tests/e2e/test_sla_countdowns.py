"""SLA countdowns in a browser: a row turns "at risk" at its moment without a reload, then the
agent sorts the inbox by due time; the conversation's panel counts down too."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.services import conversation_set_sla_due
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory
from carefront.sla.models import SlaTarget, TargetKind, TargetState, TimeBasis

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rows():
    team = TeamFactory(name="Frontline")
    agent = AgentFactory(email="lin@carefront.test", name="Lin Park", role=Role.AGENT)
    team.members.add(agent)
    inbox = InboxFactory(name="Support", teams=[team])
    return {
        subject: conversation_for(inbox, subject=subject, body_text=subject)
        for subject in ("No SLA here", "Due in hours", "Turning at risk", "Already late")
    }


def _due(conversation, *, due: dt.timedelta, risk: dt.timedelta) -> None:
    now = timezone.now()
    conversation_set_sla_due(
        conversation_id=conversation.pk, due_at=now + due, at_risk_at=now + risk
    )


def _sign_in(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Email").fill("lin@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()


def _row(page, subject: str):
    return page.locator("[data-row]", has_text=subject)


def test_a_countdown_turns_at_risk_without_a_reload_and_the_inbox_sorts_by_due_time(
    live_server, watched_page, rows, screenshot_dir
):
    _due(rows["Due in hours"], due=dt.timedelta(hours=3), risk=dt.timedelta(hours=2))
    _due(rows["Already late"], due=dt.timedelta(minutes=-12), risk=dt.timedelta(minutes=-40))
    # At risk a few seconds after the page loads.
    _due(rows["Turning at risk"], due=dt.timedelta(minutes=20), risk=dt.timedelta(seconds=6))
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url + "/login/")

    turning = _row(page, "Turning at risk").locator(".sla")
    expect(turning).to_have_class(re.compile(r"\bsla-ok\b"))
    expect(turning).to_contain_text("due in 20 m")
    expect(_row(page, "Already late").locator(".sla")).to_contain_text("breached 12 m ago")
    expect(_row(page, "Already late").locator(".sla")).to_have_class(re.compile(r"sla-breached"))
    expect(_row(page, "No SLA here").locator(".sla")).to_have_count(0)

    # The script switches the state at its moment: words, shape and class.
    expect(turning).to_have_class(re.compile(r"\bsla-at-risk\b"), timeout=15_000)
    expect(turning).to_contain_text("at risk: 20 m")
    expect(turning.locator(".sla-icon")).to_have_text("▲")

    # Sort by due time: breached first, then soonest, those without a due time last.
    page.get_by_label("Sort").focus()
    page.get_by_label("Sort").select_option("due")
    expect(page).to_have_url(re.compile(r"sort=due"))
    subjects = page.locator("[data-row] .row-subject")
    expect(subjects).to_have_text(
        ["Already late", "Turning at risk", "Due in hours", "No SLA here"]
    )
    # The countdowns of the new list run too.
    expect(_row(page, "Turning at risk").locator(".sla")).to_have_class(re.compile(r"sla-at-risk"))
    page.screenshot(path=screenshot_dir / "sla-inbox-due.png", full_page=True)

    # Only what is breached.
    page.get_by_label("SLA", exact=True).focus()
    page.get_by_label("SLA", exact=True).select_option("breached")
    expect(subjects).to_have_text(["Already late"])
    assert page_problems(page) == []


def test_the_conversation_panel_counts_down_and_states_outcomes(
    live_server, watched_page, rows, screenshot_dir
):
    conversation = rows["Turning at risk"]
    now = timezone.now()
    SlaTarget.objects.create(
        conversation=conversation,
        kind=TargetKind.FIRST_REPLY,
        basis=TimeBasis.BUSINESS,
        target_seconds=3600,
        state=TargetState.MET,
        started_at=now - dt.timedelta(hours=2),
        met_at=now - dt.timedelta(minutes=30),
        elapsed_seconds=72 * 60,
        breached_at=now - dt.timedelta(minutes=42),
    )
    SlaTarget.objects.create(
        conversation=conversation,
        kind=TargetKind.NEXT_REPLY,
        basis=TimeBasis.BUSINESS,
        target_seconds=1800,
        state=TargetState.RUNNING,
        started_at=now,
        running_since=now,
        due_at=now + dt.timedelta(seconds=8),
        at_risk_at=now + dt.timedelta(seconds=4),
    )
    page = watched_page
    _sign_in(page, live_server.url + "/login/")
    page.goto(f"{live_server.url}/c/{conversation.pk}/")
    panel = page.locator("[data-sla-panel]")
    expect(panel).to_contain_text("First reply in 1 h 12 m business time; breached by 12 m")
    running = panel.locator("[data-sla-due]")
    expect(running).to_contain_text("Next reply: ")
    expect(running).to_have_class(re.compile(r"sla-at-risk"), timeout=15_000)
    expect(running).to_have_class(re.compile(r"sla-breached"), timeout=15_000)
    expect(running).to_contain_text("breached just now")
    page.screenshot(path=screenshot_dir / "sla-conversation-panel.png", full_page=True)
    assert page_problems(page) == []
