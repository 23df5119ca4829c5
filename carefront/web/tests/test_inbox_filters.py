"""Inbox filters apply as they change (htmx), and still work as a plain form."""

import re

import pytest
from django.urls import reverse

from carefront.conversations.models import Status
from carefront.conversations.services import conversation_set_status
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db

INBOX_URL = reverse("web:inbox")


def _filter_form(html: str) -> str:
    return re.search(r'<form[^>]*class="filters".*?</form>', html, re.S).group(0)


def test_the_filter_form_reloads_the_list_on_change_and_pushes_the_url(agent_client):
    form = _filter_form(agent_client.get(INBOX_URL).content.decode())
    opening = form[: form.index(">") + 1]
    assert 'hx-get="/"' in opening or f'hx-get="{INBOX_URL}"' in opening
    assert 'hx-trigger="change"' in opening
    assert 'hx-push-url="true"' in opening
    assert 'hx-select="#main"' in opening
    assert 'hx-target="#main"' in opening
    # Without script, the same form submits with a button.
    assert 'method="get"' in opening
    assert 'type="submit"' in form


def test_an_htmx_filter_request_gets_the_filtered_page(agent_client, agent, inbox):
    conversation_for(inbox, subject="Still open")
    pending = conversation_for(inbox, subject="Waiting on the customer")
    conversation_set_status(conversation=pending, status=Status.PENDING, actor=agent)
    response = agent_client.get(
        INBOX_URL,
        {"folder": "all", "status": "pending"},
        headers={"HX-Request": "true", "HX-Target": "main", "HX-Current-URL": "http://t/"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="main"' in html
    assert "Waiting on the customer" in html
    assert "Still open" not in html
    assert '<option value="pending" selected>' in html


def test_rows_carry_their_id_for_the_remembered_selection(agent_client, inbox):
    conversation = conversation_for(inbox)
    html = agent_client.get(INBOX_URL).content.decode()
    assert f'data-row data-id="{conversation.pk}"' in html
