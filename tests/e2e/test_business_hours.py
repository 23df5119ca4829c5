"""Business calendars in a real browser: an admin creates one through the form (with a mistake
first), and the inbox and conversation then say "Outside business hours"; the calendar list
and the notice fit a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


@pytest.fixture
def world():
    team = TeamFactory(name="Frontline")
    admin = AgentFactory(email="ada@carefront.test", name="Ada Admin", role=Role.ADMIN)
    team.members.add(admin)
    inbox = InboxFactory(name="Support", teams=[team])
    return conversation_for(inbox, subject="Where is my parcel?")


def _sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/login/")
    page.get_by_label("Email").fill("ada@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-conversation-list]")).to_be_visible()


def _create_closed_calendar(page, base_url: str) -> None:
    """Open around the clock but closed today and tomorrow (UTC): closed whenever this runs."""
    today = timezone.now().date()
    page.goto(base_url + "/manage/calendars/")
    page.get_by_role("link", name="New calendar").click()
    page.get_by_label("Name").fill("Office")
    page.get_by_label("Time zone").fill("UTC")
    page.get_by_label("Opening hours").fill("Mon-Fri 09:00-17:00, 16:00-18:00")
    page.get_by_label("Custom holidays and closures").fill(
        f"{today.isoformat()}..{(today + timedelta(days=1)).isoformat()} # Moving office"
    )
    page.get_by_label("Support").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("intervals overlap at 16:00")).to_be_visible()
    # What was typed is kept; fix the hours only.
    expect(page.get_by_label("Custom holidays and closures")).to_contain_text("Moving office")
    page.get_by_label("Opening hours").fill("Mon-Sun 00:00-24:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Calendar Office is saved.")).to_be_visible()


def test_admin_creates_a_calendar_and_the_pages_say_outside_hours(
    live_server, watched_page, world, screenshot_dir
):
    page = watched_page
    _sign_in(page, live_server.url)
    _create_closed_calendar(page, live_server.url)
    row = page.locator("tbody tr").first
    expect(row.locator("td[data-label='Inboxes']")).to_have_text("1")

    page.goto(live_server.url + "/")
    notice = page.locator(".business-hours-closed")
    expect(notice).to_contain_text("Outside business hours")
    expect(notice).to_contain_text("Support")
    expect(notice.locator("time")).to_contain_text("back")

    page.goto(live_server.url + f"/c/{world.pk}/")
    expect(page.locator(".business-hours-closed")).to_contain_text("Outside business hours")
    page.screenshot(path=str(screenshot_dir / "conversation-outside-hours.png"))
    # The form answered the overlap with 400, as every refused form does: not a problem.
    assert [p for p in page_problems(page) if "status of 400" not in p] == []


def test_phone_calendar_list_and_notice_fit_the_screen(browser, live_server, world, screenshot_dir):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _sign_in(page, live_server.url)
    _create_closed_calendar(page, live_server.url)
    cell = page.locator("td[data-label='Time zone']").first
    expect(cell).to_be_visible()
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Time zone"'
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "phone-admin-calendars.png"), full_page=True)
    page.goto(live_server.url + "/")
    expect(page.locator(".business-hours-closed")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "phone-inbox-outside-hours.png"))
    context.close()
