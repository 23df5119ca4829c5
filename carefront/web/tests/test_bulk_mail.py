"""List and bulk mail in the agent inbox: a badge on the row and in the conversation, and a
filter that shows only it or hides it."""

import pytest
from django.urls import reverse

from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(inbox):
    return {
        "bulk": conversation_for(inbox, subject="[users] Export drops a row", is_bulk=True),
        "direct": conversation_for(inbox, subject="Where is my order?"),
    }


def _subjects(response) -> set[str]:
    return {c.subject for c in response.context["page"].items}


def test_bulk_rows_carry_a_badge(agent_client, both):
    html = agent_client.get(reverse("web:inbox")).content.decode()
    bulk_row = html.split("[users] Export drops a row")[1].split("</li>")[0]
    direct_row = html.split("Where is my order?")[1].split("</li>")[0]
    assert "badge-bulk" in bulk_row
    assert "badge-bulk" not in direct_row


def test_the_filter_shows_only_or_hides_bulk_mail(agent_client, both):
    url = reverse("web:inbox")
    assert _subjects(agent_client.get(url)) == {"[users] Export drops a row", "Where is my order?"}
    assert _subjects(agent_client.get(url, {"kind": "bulk"})) == {"[users] Export drops a row"}
    assert _subjects(agent_client.get(url, {"kind": "direct"})) == {"Where is my order?"}
    # A bad value is dropped, like every inbox filter.
    assert len(_subjects(agent_client.get(url, {"kind": "spam"}))) == 2


def test_the_conversation_says_it_is_bulk(agent_client, both):
    html = agent_client.get(reverse("web:conversation", args=[both["bulk"].pk])).content.decode()
    assert "badge-bulk" in html
    html = agent_client.get(reverse("web:conversation", args=[both["direct"].pk])).content.decode()
    assert "badge-bulk" not in html
