"""The acknowledgement setting and the kept rate on the manage inbox pages."""

import re

import pytest
from django.urls import reverse

from carefront.inboxes.tests.factories import InboxFactory
from carefront.sla.tests.factories import judged_acknowledgements

pytestmark = pytest.mark.django_db


def test_admin_switches_acknowledgements_off_and_on(admin_client, inbox):
    url = reverse("web:manage_inbox", args=[inbox.pk])
    assert "Acknowledge new conversations" in admin_client.get(url).content.decode()
    data = {"name": inbox.name, "email_address": inbox.email_address, "is_active": "on"}

    assert admin_client.post(url, data).status_code == 302
    inbox.refresh_from_db()
    assert inbox.send_acknowledgement is False
    admin_client.post(url, {**data, "send_acknowledgement": "on"})
    inbox.refresh_from_db()
    assert inbox.send_acknowledgement is True


def test_a_new_inbox_acknowledges_by_default(admin_client):
    page = admin_client.get(reverse("web:manage_inbox_new")).content.decode()
    [checkbox] = re.findall(r'<input[^>]*name="send_acknowledgement"[^>]*>', page)
    assert "checked" in checkbox


def test_the_inbox_pages_show_how_often_the_stated_time_was_kept(
    admin_client, inbox, agent, monkeypatch
):
    judged_acknowledgements(inbox, agent, monkeypatch, kept=3, missed=1)

    page = admin_client.get(reverse("web:manage_inboxes")).content.decode()
    assert "Stated reply time kept (30 days)" in page
    assert "75 % (3 of 4 promises)" in page
    detail = admin_client.get(reverse("web:manage_inbox", args=[inbox.pk])).content.decode()
    assert "75 % (3 of 4 promises)" in detail


def test_the_inbox_list_reads_the_kept_rates_in_one_query(
    admin_client, inbox, agent, monkeypatch, django_assert_max_num_queries
):
    judged_acknowledgements(inbox, agent, monkeypatch, kept=1, missed=1)
    url = reverse("web:manage_inboxes")
    admin_client.get(url)
    with django_assert_max_num_queries(20) as few:
        admin_client.get(url)
    for _ in range(5):
        InboxFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = admin_client.get(url).content.decode()
    assert page.count("acknowledgements off") == 0
    assert page.count("no promise due yet") == 5


def test_the_acknowledgement_shows_on_the_timeline_as_automatic(agent_client, inbox):
    from carefront.conversations.tests.factories import receive
    from carefront.sla.services.acknowledgements import acknowledgement_send

    conversation = receive(inbox).conversation
    acknowledgement_send(conversation_id=conversation.pk)

    page = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert "badge-automatic" in page
    assert "Automatic" in page
    assert "We&#x27;ll reply by" in page  # escaped apostrophe
    assert "Carefront Support" in page  # the inbox's sender name, not an agent
