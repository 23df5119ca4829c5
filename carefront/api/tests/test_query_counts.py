"""Lists cost a constant number of queries, whatever the page size."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.conversations.models import Conversation
from carefront.conversations.services import (
    conversation_add_note,
    conversation_assign,
    conversation_set_tags,
)
from carefront.conversations.tests.factories import conversation_for
from carefront.customers.services import customer_add_email

pytestmark = pytest.mark.django_db

_serial = itertools.count()


def _populate(n: int, *, inbox, agent, team) -> list[Conversation]:
    conversations = []
    for _ in range(n):
        i = next(_serial)
        conversation = conversation_for(inbox)
        conversation_assign(conversation=conversation, assignee=agent, team=team, actor=agent)
        conversation_set_tags(conversation=conversation, names=["vip", f"t{i}"], actor=agent)
        conversation_add_note(conversation=conversation, author=agent, body=f"note {i}")
        customer_add_email(customer=conversation.customer, email=f"other{i}@example.com")
        conversations.append(conversation)
    return conversations


def _count(client, url: str, expected_items: int) -> int:
    # A warm-up call: the token's first use of the minute also records last_used_at.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"limit": 100})
    assert response.status_code == 200
    assert len(response.json()["items"]) == expected_items
    return len(queries)


@pytest.mark.parametrize(
    ("url", "items_per_conversation"),
    [
        ("/api/v1/conversations", 1),
        ("/api/v1/customers", 1),
    ],
)
def test_list_queries_do_not_grow_with_the_page(
    api, inbox, agent, team, url, items_per_conversation
):
    _populate(3, inbox=inbox, agent=agent, team=team)
    small = _count(api, url, 3 * items_per_conversation)
    _populate(27, inbox=inbox, agent=agent, team=team)
    large = _count(api, url, 30 * items_per_conversation)
    assert small == large
    # token lookup, page, one bulk fetch per related list (tags, teams / identities)
    assert large <= 4


def test_messages_list_queries_do_not_grow_with_the_page(api, inbox, agent):
    conversation = conversation_for(inbox)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    for i in range(2):
        conversation_add_note(conversation=conversation, author=agent, body=f"n{i}")
    small = _count(api, url, 3)
    for i in range(27):
        conversation_add_note(conversation=conversation, author=agent, body=f"m{i}")
    large = _count(api, url, 30)
    assert small == large


def test_inboxes_list_queries_do_not_grow(api, agent, team):
    from carefront.inboxes.tests.factories import InboxFactory

    for _ in range(3):
        InboxFactory(teams=[team])
    small = _count(api, "/api/v1/inboxes", 3)
    for _ in range(27):
        InboxFactory(teams=[team])
    large = _count(api, "/api/v1/inboxes", 30)
    assert small == large
