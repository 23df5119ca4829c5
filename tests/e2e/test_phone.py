"""The workspace on a 390x844 phone (touch) and on a 1280x800 desktop: layout facts measured
with bounding boxes, plus screenshots in var/screenshots/ for a look by eye."""

import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
TAP_MIN = 44
FOLDERS = ["Mine", "Unassigned", "All open", "Pending", "Solved", "Everything"]


@pytest.fixture
def team_with_mail():
    team = TeamFactory(name="Frontline")
    admin = AgentFactory(
        email="ada@carefront.test", name="Ada Admin", role=Role.ADMIN, time_zone="Europe/Berlin"
    )
    bo = AgentFactory(email="bo@carefront.test", name="Bo Agent", role=Role.AGENT)
    team.members.add(admin, bo)
    inbox = InboxFactory(name="Support", teams=[team])
    for number in range(6):
        conversation_for(
            inbox,
            from_address=f"customer{number}@example.com",
            from_name=f"Customer {number}",
            subject=f"Question number {number} about my order",
            body_text="Hello, where is my parcel? It has been a week.\n" * 3,
        )
    return admin


@pytest.fixture
def phone(browser, live_server, team_with_mail):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.problems = problems
    page.add_init_script("window.__cspViolations = [];")
    _sign_in(page, live_server.url)
    yield page
    context.close()


@pytest.fixture
def desktop(browser, live_server, team_with_mail):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    _sign_in(page, live_server.url)
    yield page
    context.close()


def _sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/login/")
    page.get_by_label("Email").fill("ada@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-conversation-list]")).to_be_visible()


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not rendered"
    return box


def _assert_tap_target(locator) -> None:
    box = _box(locator)
    assert box["width"] >= TAP_MIN and box["height"] >= TAP_MIN, (locator, box)


def test_phone_inbox_shows_the_first_conversation_without_scrolling(phone, screenshot_dir):
    page = phone
    first_row = page.locator("[data-row]").first
    box = _box(first_row)
    assert box["y"] + min(box["height"], 60) <= 844, box
    # The filters wait behind their toggle, which opens them.
    expect(page.locator("#filter-status")).to_be_hidden()
    page.screenshot(path=str(screenshot_dir / "phone-inbox.png"))
    page.get_by_text("Filters", exact=True).click()
    expect(page.locator("#filter-status")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "phone-inbox-filters.png"))
    # Nothing is wider than the screen: no sideways scrolling of the whole page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page_problems(page) == []


def test_phone_inbox_folder_tabs_are_all_reachable(phone):
    page = phone
    folders = page.get_by_role("navigation", name="Folders")
    for name in FOLDERS:
        # The tab's name carries its count ("Mine 3").
        tab = folders.get_by_role("link", name=re.compile(rf"^{re.escape(name)}(\s|$)"))
        tab.scroll_into_view_if_needed()
        box = _box(tab)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
        _assert_tap_target(tab)
    folders.get_by_role("link", name=re.compile(r"^Everything(\s|$)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Everything")


def test_phone_has_big_tap_targets_and_no_keyboard_hints(phone):
    page = phone
    _assert_tap_target(page.locator("[data-row] .row-select").first)
    _assert_tap_target(page.get_by_role("button", name="Search"))
    _assert_tap_target(page.get_by_role("button", name="Log out"))
    _assert_tap_target(page.locator("summary", has_text="Filters"))
    _assert_tap_target(page.locator("#bulk-status"))
    expect(page.locator("[data-shortcut-help]")).to_be_hidden()
    expect(page.locator(".bulk-hint")).to_be_hidden()
    placeholder = page.locator("#search-q").get_attribute("placeholder")
    assert "press" not in placeholder
    # The big checkbox still ticks a row for the bulk change.
    box = page.locator("[data-row] .row-select").first
    box.tap()
    expect(box).to_be_checked()


def test_phone_conversation_has_status_and_assignment_above_the_composer(phone, screenshot_dir):
    page = phone
    page.locator("[data-row] .row-link").first.click()
    expect(page.locator("#composer")).to_be_attached()
    composer_top = _box(page.locator("#reply-body"))["y"]
    status = page.get_by_role("button", name="Solved")
    urgent = page.get_by_role("button", name="Urgent", exact=True)
    assignee = page.locator("#assign-agent")
    assign = page.get_by_role("button", name="Assign", exact=True)
    for control in (status, urgent, assignee, assign):
        box = _box(control)
        assert box["y"] + box["height"] <= composer_top, (control, box, composer_top)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        _assert_tap_target(control)
    # Both are on the first screen, right under the subject.
    assert _box(assignee)["y"] + _box(assignee)["height"] <= 844
    expect(page.locator("[data-shortcut-help]")).to_be_hidden()
    # The other panels (tags, customer, merge) come after the composer, as wide as the screen.
    tags = _box(page.locator(".sidebar > [aria-labelledby='tags-title']"))
    assert tags["y"] > composer_top
    assert tags["width"] >= 390 - 2 * 16
    page.screenshot(path=str(screenshot_dir / "phone-conversation.png"))
    page.locator("#composer").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "phone-conversation-composer.png"))
    page.locator("#merge-title").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "phone-conversation-end.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    assignee.select_option(label="Bo Agent")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator(".conversation-facts")).to_contain_text("Assigned to Bo Agent")
    status.click()
    expect(page.locator(".conversation-facts .badge")).to_have_text("Solved")
    urgent.click()
    expect(page.locator("[data-priority-badge]")).to_have_text("Urgent priority")
    expect(page.get_by_role("button", name="Urgent", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )


def test_desktop_priority_shortcuts_and_inbox_sort(desktop, screenshot_dir):
    page = desktop
    page.locator("[data-row] .row-link").last.click()
    subject = page.get_by_role("heading", level=1).inner_text()
    page.keyboard.press("p")  # normal -> high
    expect(page.locator("[data-priority-badge]")).to_have_text("High priority")
    page.keyboard.press("p")  # high -> urgent
    expect(page.locator("[data-priority-badge]")).to_have_text("Urgent priority")
    page.keyboard.press("Shift+P")  # urgent -> high
    expect(page.locator("[data-priority-badge]")).to_have_text("High priority")
    expect(page.locator(".timeline")).to_contain_text("lowered the priority to high")
    page.goto(page.url.split("/c/")[0] + "/?sort=priority")
    first = page.locator("[data-row]").first
    expect(first.locator(".row-subject")).to_have_text(subject)
    expect(first.locator(".badge-priority")).to_have_text("High")
    page.screenshot(path=str(screenshot_dir / "desktop-inbox-priority.png"))


def test_phone_admin_table_shows_stacked_rows_with_labels(phone, screenshot_dir):
    page = phone
    page.goto(page.url.split("/?")[0].rstrip("/") + "/manage/agents/")
    cell = page.locator("td[data-label='Email']").first
    expect(cell).to_be_visible()
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Email"'
    expect(page.locator(".table thead")).to_have_css("position", "absolute")
    # Stacked: the email cell sits under the name, and inside the screen.
    name_box = _box(page.locator("tbody th[scope=row]").first)
    cell_box = _box(cell)
    assert cell_box["y"] >= name_box["y"] + name_box["height"] - 1
    assert cell_box["x"] + cell_box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "phone-admin-agents.png"), full_page=True)


def test_phone_docs_page_fits_the_screen(phone, screenshot_dir):
    page = phone
    page.get_by_role("link", name="Help").click()
    page.get_by_role("link", name="Webhooks", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "phone-docs.png"))


def test_desktop_keeps_filters_open_and_the_sidebar_beside(desktop, screenshot_dir):
    page = desktop
    expect(page.locator("#filter-status")).to_be_visible()
    expect(page.locator("summary", has_text="Filters")).to_be_hidden()
    expect(page.locator("[data-shortcut-help]")).to_be_visible()
    expect(page.locator(".bulk-hint")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "desktop-inbox.png"))
    page.locator("[data-row] .row-link").first.click()
    sidebar = _box(page.locator(".sidebar"))
    composer = _box(page.locator("#composer"))
    assert sidebar["x"] > composer["x"] + composer["width"] - 1
    page.screenshot(path=str(screenshot_dir / "desktop-conversation.png"))
    page.goto(page.url.split("/c/")[0] + "/manage/agents/")
    expect(page.locator(".table thead")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "desktop-admin-agents.png"))
