"""An admin sends an NPS campaign from the UI; a customer answers on a phone with the keyboard;
the admin reads the result. No JavaScript needed, nothing the CSP blocks."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.customers.services import customer_create
from carefront.feedback.models import NpsResponse
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_nps_campaign_from_sending_to_the_result(live_server, watched_page, screenshot_dir):
    inbox = InboxFactory(name="Support", from_name="Acme Support")
    admin = AgentFactory(role=Role.ADMIN, email="admin@example.com")
    admin.set_password("pw-for-e2e-1")
    admin.save()
    customer_create(email="ana@example.com", name="Ana Lima", attributes={"plan": "gold"})
    customer_create(email="bo@example.com", name="Bo Berg", attributes={"plan": "free"})
    page = watched_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill("pw-for-e2e-1")
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}/manage/nps/")
    page.get_by_role("link", name="New NPS campaign").click()
    page.get_by_label("Name").fill("Gold, spring")
    page.get_by_label("Send from").select_option(label=inbox.name)
    page.get_by_label("Custom attribute").fill("plan")
    page.get_by_label("Attribute value").fill("gold")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Sent now, this campaign would ask 1 customers.")).to_be_visible()
    page.get_by_role("button", name="Send to 1 customer").click()
    expect(page.get_by_text("The campaign is being sent.")).to_be_visible()
    [email] = mail.outbox
    assert email.to == ["ana@example.com"]
    link = re.search(r"(http\S+/nps/[0-9a-f]{64}/)\?score=9", email.body).group(1)

    customer = page.context.new_page()
    customer.add_init_script("window.__cspViolations = []")
    customer.set_viewport_size({"width": 375, "height": 740})
    customer.goto(link.replace("https://help.example.test", live_server.url) + "?score=6")
    legend = "How likely are you to recommend Acme Support to a friend or colleague?"
    expect(customer.get_by_role("group", name=legend)).to_be_visible()
    expect(customer.get_by_label("6", exact=True)).to_be_checked()
    assert not NpsResponse.objects.exists()
    customer.get_by_label("6", exact=True).focus()
    for _ in range(3):
        customer.keyboard.press("ArrowRight")
    expect(customer.get_by_label("9", exact=True)).to_be_checked()
    customer.get_by_label("What is the main reason for your score? (optional)").fill("Fast.")
    customer.screenshot(path=screenshot_dir / "nps-page-phone.png", full_page=True)
    customer.get_by_role("button", name="Send my answer").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Thank you!")
    assert list(NpsResponse.objects.values_list("score", "comment")) == [(9, "Fast.")]

    page.reload()
    expect(page.get_by_text("NPS 100")).to_be_visible()
    expect(page.get_by_role("cell", name="Fast.")).to_be_visible()
    page.screenshot(path=screenshot_dir / "nps-campaign.png", full_page=True)
    assert page_problems(page) == []
