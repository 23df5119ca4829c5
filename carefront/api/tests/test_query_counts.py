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
    # token lookup, page, one bulk fetch per related list (tags, teams, SLA targets /
    # identities)
    assert large <= 5


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


def _grow(
    client, url: str, make, *, small: int = 3, large: int = 30, params=None, existing: int = 0
) -> int:
    """Queries for a page of `small` then of `large` new items (plus `existing` ones);
    asserts they are equal."""
    for _ in range(small):
        make()
    first = _count_with(client, url, existing + small, params)
    for _ in range(large - small):
        make()
    second = _count_with(client, url, existing + large, params)
    assert first == second, (url, first, second)
    return second


def _count_with(client, url: str, expected_items: int, params=None) -> int:
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"limit": 100, **(params or {})})
    assert response.status_code == 200, response.content
    assert len(response.json()["items"]) == expected_items
    return len(queries)


def test_teams_list_queries_do_not_grow(admin_api, agent):
    from carefront.accounts.tests.factories import TeamFactory
    from carefront.inboxes.tests.factories import InboxFactory

    def make():
        team = TeamFactory(members=[agent])
        InboxFactory(teams=[team])

    # token, page, members, inbox links
    assert _grow(admin_api, "/api/v1/teams", make, existing=1) <= 4


def test_agents_list_queries_do_not_grow(api, team, agent):
    from carefront.accounts.tests.factories import AgentFactory

    def make():
        team.members.add(AgentFactory())

    # token, page, the caller's teams, the agents' teams
    count = _grow(api, "/api/v1/agents", make, existing=1, params={"team_id": team.pk})
    assert count <= 4


def test_tags_and_saved_replies_lists_do_not_grow(api, agent):
    from carefront.accounts.models import Role
    from carefront.accounts.tests.factories import AgentFactory
    from carefront.automation.services import saved_reply_create
    from carefront.conversations.models import Tag

    lead = AgentFactory(role=Role.LEAD)
    tags = itertools.count()
    assert _grow(api, "/api/v1/tags", lambda: Tag.objects.create(name=f"t{next(tags)}")) <= 2
    titles = itertools.count()
    count = _grow(
        api,
        "/api/v1/saved-replies",
        lambda: saved_reply_create(actor=lead, title=f"R{next(titles)}", body="Hi"),
    )
    assert count <= 2


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "updated"},
        {"assignee_id": "me", "sort": "newest"},
        {"updated_since": "2020-01-01T00:00:00Z", "sort": "oldest"},
        {"sort": "priority"},
        {"priority": "normal", "sort": "priority"},
    ],
)
def test_conversation_sorts_and_filters_do_not_grow(api, inbox, agent, team, params):
    def make():
        _populate(1, inbox=inbox, agent=agent, team=team)

    assert _grow(api, "/api/v1/conversations", make, params=params) <= 4


@pytest.mark.parametrize("sort", ["created", "-updated"])
def test_customer_sorts_do_not_grow(api, inbox, agent, team, sort):
    def make():
        _populate(1, inbox=inbox, agent=agent, team=team)

    assert _grow(api, "/api/v1/customers", make, params={"sort": sort}) <= 3


def test_search_queries_do_not_grow(api, inbox, agent, team):
    def make():
        conversation = _populate(1, inbox=inbox, agent=agent, team=team)[0]
        conversation_add_note(conversation=conversation, author=agent, body="kettle broken")

    # token, visible inboxes, text search, page, tags, teams
    assert _grow(api, "/api/v1/search", make, params={"q": "kettle"}) <= 6


def test_detail_endpoints_cost_a_fixed_number_of_queries(api, inbox, agent, team):
    from carefront.accounts.models import Role
    from carefront.accounts.tests.factories import AgentFactory
    from carefront.automation.services import saved_reply_create
    from carefront.conversations.inbound import InboundAttachment
    from carefront.conversations.models import Attachment
    from carefront.conversations.tests.factories import receive

    conversation = _populate(1, inbox=inbox, agent=agent, team=team)[0]
    receive(
        inbox,
        from_address=conversation.customer.email,
        attachments=[InboundAttachment(filename="a.txt", content_type="text/plain", data=b"a")],
    )
    attachment = Attachment.objects.get()
    saved = saved_reply_create(actor=AgentFactory(role=Role.LEAD), title="T", body="Hi")
    budgets = {
        f"/api/v1/teams/{team.pk}": 4,
        f"/api/v1/agents/{agent.pk}": 4,
        "/api/v1/me": 2,
        f"/api/v1/customers/{conversation.customer_id}": 3,
        f"/api/v1/saved-replies/{saved.pk}": 2,
        f"/api/v1/saved-replies/{saved.pk}/render?conversation_id={conversation.pk}": 3,
        f"/api/v1/attachments/{attachment.pk}": 2,
        f"/api/v1/attachments/{attachment.pk}/download": 2,
    }
    api.get("/api/v1/me")
    for url, budget in budgets.items():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
        assert response.status_code == 200, url
        assert len(queries) <= budget, (url, [q["sql"] for q in queries])


def _write_queries(client, method: str, url: str, payload, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        if kwargs.get("multipart"):
            response = client.post(url, payload)
        else:
            response = getattr(client, method)(url, payload, content_type="application/json")
    assert response.status_code in {200, 201}, response.content
    return len(queries)


def test_writes_cost_the_same_for_one_item_as_for_many(api, admin_api, inbox, agent, team):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from carefront.accounts.tests.factories import AgentFactory

    conversation = _populate(1, inbox=inbox, agent=agent, team=team)[0]
    api.get("/api/v1/me")
    admin_api.get("/api/v1/me")
    url = f"/api/v1/conversations/{conversation.pk}/notes"

    def files(n):
        return [SimpleUploadedFile(f"f{i}.txt", f"file {i} {n}".encode()) for i in range(n)]

    one = _write_queries(api, "post", url, {"body": "x", "files": files(1)}, multipart=True)
    many = _write_queries(api, "post", url, {"body": "x", "files": files(8)}, multipart=True)
    assert one == many

    customer_url = f"/api/v1/customers/{conversation.customer_id}"
    one = _write_queries(api, "patch", customer_url, {"attributes": {"a": 1}})
    many = _write_queries(
        api, "patch", customer_url, {"attributes": {f"k{i}": i for i in range(50)}, "notes": "n"}
    )
    assert one == many

    team_url = f"/api/v1/teams/{team.pk}"
    team.members.set([agent])
    one = _write_queries(
        admin_api, "patch", team_url, {"member_ids": [agent.pk, AgentFactory().pk]}
    )
    team.members.set([agent])
    lots = [agent.pk, *(AgentFactory().pk for _ in range(20))]
    many = _write_queries(admin_api, "patch", team_url, {"member_ids": lots})
    assert one == many


def test_every_write_has_a_small_fixed_budget(api, admin_api, inbox, agent, team):
    from carefront.accounts.models import Role
    from carefront.accounts.tests.factories import AgentFactory
    from carefront.automation.services import saved_reply_create

    conversation = _populate(1, inbox=inbox, agent=agent, team=team)[0]
    lead = AgentFactory(role=Role.LEAD)
    saved = saved_reply_create(actor=lead, title="T", body="Hi")
    api.get("/api/v1/me")
    admin_api.get("/api/v1/me")
    c, customer = conversation.pk, conversation.customer_id
    # Measured on both databases; a write that starts to cost more shows up here.
    writes = [
        (api, "post", "/api/v1/customers", {"email": "new@example.com"}, 10),
        (api, "patch", f"/api/v1/customers/{customer}", {"name": "N"}, 8),
        (api, "post", f"/api/v1/customers/{customer}/identities", {"value": "n2@example.com"}, 6),
        # 15, 5 for the first agent reply's first-reply time (sla: one lookup, the calendars
        # when not cached, a savepoint and the insert; a later reply adds one), and one to learn
        # that no SLA clock of the conversation waits for this reply, and one looking for the
        # follow-up promises it keeps; 2 for its live event (numbered by one UPDATE ... RETURNING,
        # then inserted: conversations/live.py).
        (api, "post", f"/api/v1/conversations/{c}/replies", {"body": "Hi"}, 24),
        (admin_api, "post", "/api/v1/teams", {"name": "New", "member_ids": [agent.pk]}, 13),
        (admin_api, "patch", f"/api/v1/teams/{team.pk}", {"description": "d"}, 12),
        (admin_api, "post", "/api/v1/saved-replies", {"title": "A", "body": "B"}, 2),
        (admin_api, "patch", f"/api/v1/saved-replies/{saved.pk}", {"title": "C"}, 3),
        (admin_api, "delete", f"/api/v1/saved-replies/{saved.pk}", None, 5),
    ]
    for client, method, url, payload, budget in writes:
        with CaptureQueriesContext(connection) as queries:
            if payload is None:
                response = getattr(client, method)(url)
            else:
                response = getattr(client, method)(url, payload, content_type="application/json")
        assert response.status_code in {200, 201, 204}, (url, response.content)
        assert len(queries) <= budget, (method, url, len(queries))
