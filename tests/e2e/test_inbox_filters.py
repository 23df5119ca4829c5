"""The inbox in a browser: filters apply as they change, the selected row survives Back,
and a search shows its count and highlights."""

import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.models import Status
from carefront.conversations.services import conversation_set_status
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def inbox_with_rows():
    team = TeamFactory(name="Frontline")
    agent = AgentFactory(email="lin@carefront.test", name="Lin Park", role=Role.AGENT)
    team.members.add(agent)
    inbox = InboxFactory(name="Support", teams=[team])
    subjects = ["Broken zipper", "Refund for order 1042", "Cannot log in", "Invoice address"]
    rows = [
        conversation_for(inbox, subject=s, body_text=f"Customer message {i}")
        for i, s in enumerate(subjects)
    ]
    conversation_set_status(conversation=rows[3], status=Status.PENDING, actor=agent)
    return rows


def _sign_in(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Email").fill("lin@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()


def test_a_filter_applies_as_it_changes_without_a_click(live_server, watched_page, inbox_with_rows):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url + "/login/")
    expect(page.get_by_text("Broken zipper")).to_be_visible()
    # Folder counts are shown next to the folders.
    expect(page.locator(".folders a", has_text="Pending")).to_contain_text("1")
    # With script, there is nothing to click: the Apply button is hidden.
    expect(page.locator("[data-apply-filters]")).to_be_hidden()

    page.locator(".folders a", has_text="Everything").click()
    page.get_by_label("Status", exact=True).focus()  # as a user's click or Tab would
    page.get_by_label("Status", exact=True).select_option("pending")
    expect(page).to_have_url(re.compile(r"status=pending"))
    expect(page.get_by_text("Invoice address")).to_be_visible()
    expect(page.get_by_text("Broken zipper")).to_be_hidden()
    # Focus stays on the control that changed, for the next change by keyboard.
    expect(page.get_by_label("Status", exact=True)).to_be_focused()

    # No copy of the page (customer data) is kept in the browser's storage for history.
    assert page.evaluate("window.localStorage.getItem('htmx-history-cache')") is None

    # Back returns to the unfiltered list (the URL was pushed).
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"status=pending"))
    expect(page.get_by_text("Broken zipper")).to_be_visible()
    assert page_problems(page) == []


def test_the_selected_row_survives_back(live_server, watched_page, inbox_with_rows):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url + "/login/")
    expect(page.get_by_text("Broken zipper")).to_be_visible()
    page.keyboard.press("j")
    page.keyboard.press("j")
    selected = page.locator("[data-row].is-selected")
    expect(selected).to_contain_text("Refund for order 1042")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Refund for order 1042")).to_be_visible()

    page.go_back()
    expect(page.locator("[data-row].is-selected")).to_contain_text("Refund for order 1042")
    expect(page.locator("[data-row].is-selected .row-link")).to_be_focused()
    # j carries on from the remembered row.
    page.keyboard.press("j")
    expect(page.locator("[data-row].is-selected")).to_contain_text("Cannot log in")

    # A click on a row is remembered as well.
    page.get_by_text("Broken zipper").click()
    expect(page.get_by_role("heading", name="Broken zipper")).to_be_visible()
    page.go_back()
    expect(page.locator("[data-row].is-selected")).to_contain_text("Broken zipper")
    assert page_problems(page) == []


def test_a_search_shows_its_count_and_marks_the_words(live_server, watched_page, inbox_with_rows):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url + "/login/")
    expect(page.get_by_text("Broken zipper")).to_be_visible()
    page.keyboard.press("/")
    page.keyboard.type("zipper")
    page.keyboard.press("Enter")
    expect(page.locator("[data-result-summary]")).to_contain_text("1 conversation matches")
    expect(page.locator(".row-subject mark")).to_have_text("zipper")
    page.locator("[data-search-input]").fill("unobtainium")
    page.keyboard.press("Enter")
    expect(page.locator("[data-empty]")).to_contain_text("No conversation matches")
    expect(page.locator("#bulk-form")).to_have_count(0)
    assert page_problems(page) == []
