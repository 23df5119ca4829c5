"""The improvements pages ("you said, we did"): list and detail at a fixed query cost, create
and edit, linking from the feedback inbox, a theme and a conversation, marking shipped, and
the customer's opt-out page."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.customers.tests.factories import CustomerFactory
from carefront.feedback import tokens
from carefront.feedback.models import (
    Improvement,
    ImprovementLink,
    ImprovementOptOut,
    ImprovementStatus,
    NoticeStatus,
    Theme,
)
from carefront.feedback.services import improvement_create, improvement_link
from carefront.feedback.tests.factories import comment

pytestmark = pytest.mark.django_db

LIST = reverse("web:improvements")


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


@pytest.fixture
def lead_client(lead) -> Client:
    client = Client()
    client.force_login(lead)
    return client


def new(lead, title="CSV export", **fields) -> Improvement:
    fields.setdefault("customer_message", "You can export invoices as CSV now.")
    return improvement_create(actor=lead, title=title, **fields)


def test_agents_get_403(agent_client, lead):
    improvement = new(lead)
    assert agent_client.get(LIST).status_code == 403
    assert agent_client.get(reverse("web:improvement", args=[improvement.pk])).status_code == 403
    response = agent_client.post(reverse("web:improvement_ship", args=[improvement.pk]))
    assert response.status_code == 403
    improvement.refresh_from_db()
    assert improvement.status == ImprovementStatus.PLANNED


def test_the_nav_shows_improvements_to_leads_only(lead_client, agent_client):
    assert LIST in lead_client.get(reverse("web:inbox")).content.decode()
    assert LIST not in agent_client.get(reverse("web:inbox")).content.decode()


def test_list_filters_by_status_and_pages_without_gaps(lead_client, lead, monkeypatch):
    monkeypatch.setattr("carefront.web.views.improvements.PAGE_SIZE", 2)
    planned = [new(lead, f"Planned {i}") for i in range(3)]
    doing = new(lead, "Doing", status=ImprovementStatus.IN_PROGRESS)
    response = lead_client.get(LIST, {"status": "in_progress"})
    assert [i.pk for i in response.context["page"].items] == [doing.pk]
    seen, cursor = [], None
    while True:
        response = lead_client.get(LIST, {"status": "planned", "cursor": cursor or ""})
        seen += [i.pk for i in response.context["page"].items]
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    assert seen == [i.pk for i in reversed(planned)]
    assert lead_client.get(LIST, {"cursor": "garbage"}).status_code == 400


def test_list_and_detail_cost_the_same_queries_for_few_and_many(
    lead_client, lead, inbox, django_assert_num_queries
):
    improvement = new(lead)
    few = [comment(f"csv {i}", inbox_id=inbox.pk) for i in range(2)]
    improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[c.pk for c in few])
    detail = reverse("web:improvement", args=[improvement.pk])
    lead_client.get(LIST)
    with django_assert_num_queries(2) as list_few:  # the agent, the page
        lead_client.get(LIST)
    with django_assert_num_queries(5) as detail_few:  # + improvement, links, customers, counts
        lead_client.get(detail)
    many = [comment(f"more csv {i}", inbox_id=inbox.pk) for i in range(20)]
    improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[c.pk for c in many])
    for i in range(10):
        new(lead, f"Other {i}")
    with django_assert_num_queries(len(list_few.captured_queries)):
        lead_client.get(LIST)
    with django_assert_num_queries(len(detail_few.captured_queries)):
        response = lead_client.get(detail)
    assert response.context["improvement"].customers_linked == 22


def test_create_and_edit_through_the_form(lead_client):
    response = lead_client.post(
        reverse("web:improvement_new"),
        {
            "title": "  Faster refunds ",
            "customer_message": "Refunds take 2 days now.",
            "status": "planned",
        },
    )
    assert response.status_code == 303
    improvement = Improvement.objects.get()
    assert improvement.title == "Faster refunds"
    response = lead_client.post(
        reverse("web:improvement_edit", args=[improvement.pk]),
        {"title": "Faster refunds", "status": "in_progress", "customer_message": "x"},
    )
    assert response.status_code == 303
    improvement.refresh_from_db()
    assert improvement.status == ImprovementStatus.IN_PROGRESS
    # A bad form is a 400 with the error, and nothing changes.
    response = lead_client.post(
        reverse("web:improvement_edit", args=[improvement.pk]), {"title": "", "status": "x"}
    )
    assert response.status_code == 400
    improvement.refresh_from_db()
    assert improvement.title == "Faster refunds"


def test_link_ticked_comments_from_the_feedback_inbox(lead_client, lead, inbox):
    improvement = new(lead)
    first, second = comment("CSV please"), comment("Need CSV")
    page = lead_client.get(reverse("web:feedback")).content.decode()
    assert "data-link-improvement" in page
    assert improvement.title in page
    response = lead_client.post(
        reverse("web:improvement_link"),
        {"comment": [first.pk, second.pk], "improvement": improvement.pk, "theme": ""},
    )
    assert response.status_code == 303
    assert response["Location"] == reverse("web:improvement", args=[improvement.pk])
    improvement.refresh_from_db()
    assert improvement.customers_linked == 2


def test_link_to_a_new_improvement_from_the_inbox(lead_client):
    linked = comment("Dark mode!")
    response = lead_client.post(
        reverse("web:improvement_link"),
        {"comment": [linked.pk], "improvement": "new", "new_improvement": "Dark mode"},
    )
    assert response.status_code == 303
    improvement = Improvement.objects.get()
    assert improvement.title == "Dark mode"
    assert ImprovementLink.objects.filter(improvement=improvement, comment=linked).exists()


def test_a_forged_comment_id_links_nothing(lead_client, lead):
    improvement = new(lead)
    real = comment("CSV")
    response = lead_client.post(
        reverse("web:improvement_link"),
        {"comment": [real.pk, 987654], "improvement": improvement.pk},
    )
    assert response.status_code == 404
    assert not ImprovementLink.objects.exists()
    response = lead_client.post(
        reverse("web:improvement_link"), {"comment": [real.pk], "improvement": 987654}
    )
    assert response.status_code == 404
    # A new improvement is not left behind when its links fail.
    for data in (
        {"comment": [987654], "improvement": "new", "new_improvement": "Ghost"},
        {"theme_all": 987654, "improvement": "new", "new_improvement": "Ghost"},
    ):
        assert lead_client.post(reverse("web:improvement_link"), data).status_code == 404
    assert not Improvement.objects.exclude(pk=improvement.pk).exists()


def test_link_all_comments_of_a_theme(lead_client, lead):
    theme = Theme.objects.create(name="Exports")
    for i in range(3):
        c = comment(f"export {i}")
        c.theme = theme
        c.save(update_fields=["theme"])
    improvement = new(lead)
    page = lead_client.get(reverse("web:feedback"), {"theme": theme.pk}).content.decode()
    assert "data-link-theme" in page
    response = lead_client.post(
        reverse("web:improvement_link"), {"theme_all": theme.pk, "improvement": improvement.pk}
    )
    assert response.status_code == 303
    improvement.refresh_from_db()
    assert improvement.customers_linked == 3


def test_link_a_conversation_from_its_page(lead_client, agent_client, lead, conversation):
    improvement = new(lead)
    url = reverse("web:conversation", args=[conversation.pk])
    assert "data-improvements-panel" in lead_client.get(url).content.decode()
    assert "data-improvements-panel" not in agent_client.get(url).content.decode()
    response = lead_client.post(
        reverse("web:improvement_link_conversation", args=[conversation.pk]),
        {"improvement": improvement.pk},
    )
    assert response.status_code == 303
    page = lead_client.get(url).content.decode()
    # Listed in the panel, and on the timeline.
    assert reverse("web:improvement", args=[improvement.pk]) in page
    assert "linked it to the improvement" in page
    forged = lead_client.post(
        reverse("web:improvement_link_conversation", args=[987654]),
        {"improvement": improvement.pk},
    )
    assert forged.status_code == 404


def test_mark_shipped_tells_the_customers_once(
    lead_client, lead, conversation, django_capture_on_commit_callbacks
):
    improvement = new(lead)
    improvement_link(actor=lead, improvement_id=improvement.pk, conversation_ids=[conversation.pk])
    mail.outbox.clear()
    url = reverse("web:improvement_ship", args=[improvement.pk])
    detail = reverse("web:improvement", args=[improvement.pk])
    # The task is run after commit by the immediate backend.
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert lead_client.post(url).status_code == 303
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.com"]
    page = lead_client.get(detail)
    assert page.context["improvement"].customers_told == 1
    assert "data-customers-told>1<" in page.content.decode()
    timeline = lead_client.get(reverse("web:conversation", args=[conversation.pk]))
    assert "was told the improvement" in timeline.content.decode()


def test_the_optout_page_asks_then_records(client, lead, inbox, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email="ola@example.com")
    url = reverse("web:improvement_optout", args=[tokens.improvement_optout_token(customer.pk)])
    response = client.get(url)
    assert response.status_code == 200
    assert not ImprovementOptOut.objects.exists()  # opening the link changes nothing
    response = client.post(url, {"action": "unsubscribe"})
    assert response.status_code == 200
    assert ImprovementOptOut.objects.filter(customer=customer).exists()
    # Honoured for a later improvement.
    improvement = new(lead)
    linked = comment("CSV", customer=customer, inbox_id=inbox.pk)
    improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[linked.pk])
    lead_client = Client()
    lead_client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        lead_client.post(reverse("web:improvement_ship", args=[improvement.pk]))
    assert improvement.notices.get().status == NoticeStatus.SKIPPED
    # And undone.
    client.post(url, {"action": "resubscribe"})
    assert not ImprovementOptOut.objects.exists()


def test_the_optout_page_refuses_forged_and_survey_tokens(client):
    customer = CustomerFactory()
    for token in (
        f"{customer.pk}-{'0' * 64}",
        tokens.unsubscribe_token(customer.pk),
        "garbage",
    ):
        url = reverse("web:improvement_optout", args=[token])
        assert client.post(url, {"action": "unsubscribe"}).status_code == 404
    assert not ImprovementOptOut.objects.exists()


def test_the_optout_page_speaks_the_customers_language(client):
    customer = CustomerFactory(language="de")
    url = reverse("web:improvement_optout", args=[tokens.improvement_optout_token(customer.pk)])
    assert "Keine Neuigkeiten über Änderungen mehr?" in client.get(url).content.decode()
