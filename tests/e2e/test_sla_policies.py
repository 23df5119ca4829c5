"""SLA policies in a browser: an admin finds them in the admin area, creates the enterprise
policy of the admin guide (a bad duration first), and moves it above the broad one."""

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.sla.models import SlaPolicy
from carefront.sla.services.policies_admin import sla_policy_create

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_creates_a_policy_and_moves_it_first(live_server, watched_page, screenshot_dir):
    admin = AgentFactory(email="ada@carefront.test", name="Ada Admin", role=Role.ADMIN)
    TeamFactory(name="Tier 2")
    sla_policy_create(actor=admin, name="Everyone", first_reply_minutes=8 * 60)
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("ada@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="SLA policies").click()
    page.get_by_role("link", name="New policy").click()
    page.get_by_label("Name").fill("Enterprise")
    page.get_by_label("Customer attribute").fill("plan")
    page.get_by_label("Attribute value").fill("enterprise")
    page.get_by_label("First reply within").fill("an hour")
    page.get_by_label("Next reply within").fill("4h")
    page.get_by_label("Resolve within").fill("2d")
    page.locator("input[name=resolution_basis][value=calendar]").check()
    page.get_by_label("At risk this long before the due time").fill("15m")
    page.get_by_label("Raise the priority one level").select_option("breached")
    page.get_by_label("Reassign to team").select_option(label="Tier 2")
    page.get_by_label("Reassign", exact=True).select_option("breached")
    page.get_by_role("button", name="Save").click()

    # Refused with the reason next to the field; what was typed stays.
    expect(page.get_by_text('"an hour" is not a duration')).to_be_visible()
    expect(page.get_by_label("Next reply within")).to_have_value("4h")
    page.screenshot(path=screenshot_dir / "sla-policy-form.png", full_page=True)
    page.get_by_label("First reply within").fill("1h")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("SLA policy Enterprise is saved.")).to_be_visible()
    rows = page.locator("tbody tr th a")
    expect(rows).to_have_text(["Everyone", "Enterprise"])
    page.get_by_role("button", name="Move “Enterprise” up").click()
    expect(rows).to_have_text(["Enterprise", "Everyone"])
    expect(
        page.locator("#policy-" + str(SlaPolicy.objects.get(name="Enterprise").pk))
    ).to_contain_text("plan = enterprise")
    page.screenshot(path=screenshot_dir / "sla-policies.png", full_page=True)
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["Enterprise", "Everyone"]
    # The refused form answered 400, as a form with errors does; nothing else went wrong.
    problems = page_problems(page)
    assert len(problems) == 1
    assert "status of 400" in problems[0]
    assert "/manage/sla-policies/new/" in problems[0]
