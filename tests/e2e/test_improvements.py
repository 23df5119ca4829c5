"""You said, we did: a lead links a customer's comment to a new improvement from the feedback
inbox, writes what changed, marks it shipped; the customer's email arrives once, in their
conversation, and shows on its timeline; the customer's opt-out link works."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.feedback.models import FeedbackComment, Improvement, ImprovementOptOut
from carefront.feedback.tests.factories import rated
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_comment_linked_to_an_improvement_reaches_the_customer_when_it_ships(
    live_server, watched_page, screenshot_dir
):
    team = TeamFactory()
    agent = AgentFactory(name="Grace Hopper")
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead", email="lena@carefront.test")
    team.members.add(agent, lead)
    inbox = InboxFactory(teams=[team], from_name="Acme Support")
    rating = rated(inbox, agent, score="okay", comment="Please let me export invoices as CSV")
    comment = FeedbackComment.objects.get(source="csat", source_id=rating.pk)
    mail.outbox.clear()
    page = watched_page

    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("lena@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()

    # In the feedback inbox: tick the comment, link it to a new improvement.
    page.get_by_role("link", name="Feedback", exact=True).click()
    row = page.locator(f'[data-comment="{comment.pk}"]')
    row.get_by_role("checkbox").check()
    page.get_by_label("Improvement to link the ticked comments to").select_option("new")
    page.get_by_label("Title of the new improvement").fill("CSV export of invoices")
    page.get_by_role("button", name="Link to improvement").click()
    improvement = Improvement.objects.get()
    expect(page).to_have_url(re.compile(rf"/improvements/{improvement.pk}/$"))
    expect(page.locator("[data-customers-linked]")).to_have_text("1")
    expect(page.locator("[data-notice]")).to_contain_text("Please let me export invoices as CSV")

    # Write what changed, then mark it shipped.
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("What we changed (told to each customer who asked)").fill(
        "You can now export your invoices as CSV from the Billing page."
    )
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Mark shipped and tell the customers").click()
    expect(page.locator("[data-improvement-status]")).to_have_text("Shipped")
    expect(page.locator("[data-customers-told]")).to_have_text("1")
    page.screenshot(path=screenshot_dir / "improvement-shipped.png", full_page=True)

    # The customer's email: once, threaded in their conversation, with the opt-out link.
    [email] = mail.outbox
    assert email.to == ["ana@example.com"]
    assert "you told us: “Please let me export invoices as CSV”" in email.body
    assert "You can now export your invoices as CSV from the Billing page." in email.body
    assert email.extra_headers.get("In-Reply-To") or "In-Reply-To" in email.message()
    optout = re.search(r"(http\S+/improvements/news/\S+/)", email.body).group(1)

    # On the conversation's timeline: the message and the event.
    page.goto(f"{live_server.url}/c/{rating.conversation_id}/")
    expect(
        page.get_by_text("The customer was told the improvement “CSV export of invoices” shipped")
    ).to_be_visible()
    expect(
        page.get_by_text("You can now export your invoices as CSV from the Billing page.")
    ).to_be_visible()
    expect(
        page.get_by_text("Lena Lead linked it to the improvement “CSV export of invoices”")
    ).to_be_visible()

    # Shipping again (another tab, a double click) tells nobody twice.
    page.goto(f"{live_server.url}/improvements/{improvement.pk}/")
    expect(page.get_by_role("button", name="Mark shipped and tell the customers")).to_have_count(0)
    assert len(mail.outbox) == 1

    # The customer opts out from the link.
    customer = page.context.new_page()
    customer.goto(optout.replace("https://help.example.test", live_server.url))
    expect(customer.get_by_role("heading", level=1)).to_have_text("No more news about changes?")
    customer.get_by_role("button", name="Stop these messages").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(
        "You will not hear about our changes any more"
    )
    assert ImprovementOptOut.objects.filter(customer_id=rating.customer_id).exists()
    assert page_problems(page) == []
