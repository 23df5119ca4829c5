"""A lead opens Reports, chooses March in Berlin time, sees the figures and the charts, and
downloads a table as CSV; an agent sees only their own figures."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Agent
from carefront.feedback.tests.report_data import report_world

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()


def test_the_report_shows_charts_and_downloads_csv(live_server, watched_page, screenshot_dir):
    world = report_world()
    Agent.objects.filter(pk=world["admin"].pk).update(email="ada@carefront.test")
    page = watched_page
    _sign_in(page, live_server, "ada@carefront.test")

    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback report")
    page.get_by_label("From", exact=True).fill("2026-03-01")
    page.get_by_label("To", exact=True).fill("2026-03-31")
    page.locator('select[name="period"]').select_option("week")
    page.locator('select[name="by"]').select_option("inbox")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("[data-csat]")).to_have_text("60.0 %")
    expect(page.locator("[data-nps]")).to_have_text("25")
    for chart in ("ratings", "csat"):
        expect(page.locator(f'svg[data-chart="{chart}"]')).to_be_visible()
    bars = page.locator('svg[data-chart="ratings"] rect')
    expect(bars.first).to_be_visible()
    csat_name = "CSAT per period: the percentage of great ratings, from 0 to 100"
    assert page.get_by_role("img", name=csat_name).count() == 1
    by_inbox = page.locator('[data-table="inbox"]')
    expect(by_inbox.get_by_role("rowheader", name="Alpha")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "feedback-report.png"), full_page=True)

    with page.expect_download() as download_info:
        by_inbox.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "feedback-inbox-2026-03-01-to-2026-03-31.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Inbox"
    assert [row[:2] for row in rows[1:]] == [["Alpha", "4"], ["Beta", "1"]]
    assert page_problems(page) == []


def test_an_agent_sees_only_their_own_figures(live_server, watched_page):
    world = report_world()
    Agent.objects.filter(pk=world["bob"].pk).update(email="bob@carefront.test")
    page = watched_page
    _sign_in(page, live_server, "bob@carefront.test")
    page.goto(
        f"{live_server.url}/feedback/report/?since=2026-03-01&until=2026-03-31&tz=Europe/Berlin"
    )
    expect(page.locator("[data-ratings]")).to_have_text("1")
    expect(page.locator("[data-nps]")).to_have_count(0)
    expect(page.get_by_role("rowheader", name="Alpha")).to_have_count(0)
    assert page_problems(page) == []
