"""`/qa/marks`: scoped (own, team, all), filters, cursors, constant queries; and the
`qa.reply_checked` webhook."""

import json

import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.api.tests.conftest import token_client
from carefront.quality.behaviours import Behaviour
from carefront.quality.tests.conftest import send_reply
from carefront.webhooks import catalogue
from carefront.webhooks.models import WebhookDelivery
from carefront.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/qa/marks"
NO_NAME = "Hello,\n\nyour parcel left our warehouse and arrives tomorrow."


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


@pytest.fixture
def replies(conversation, agent, outsider, inbox):
    mine = send_reply(conversation, agent, NO_NAME)
    inbox.teams.add(outsider.teams.first())
    theirs = send_reply(conversation, outsider, "Hi Ana, thanks! It arrives tomorrow.")
    return mine, theirs


def messages(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["message_id"] for item in response.json()["items"]}


def test_an_agent_reads_their_own_marks_with_the_reasons(api, replies):
    mine, _theirs = replies
    response = api.get(URL, {"behaviour": "greets_by_name", "limit": 100})
    assert messages(response) == {mine.pk}
    [mark] = response.json()["items"]
    assert mark["outcome"] == "missed"
    assert "Ana" in mark["hint"]
    assert mark["evidence"]
    assert mark["agent"]["id"] == mine.author_id


def test_scoping_and_forged_filters(api, outsider_api, admin_api, lead, replies, outsider):
    mine, theirs = replies
    assert messages(outsider_api.get(URL, {"limit": 100})) == {theirs.pk}
    assert messages(token_client(lead).get(URL, {"limit": 100})) == {mine.pk}
    assert messages(admin_api.get(URL, {"limit": 100})) == {mine.pk, theirs.pk}
    assert messages(api.get(URL, {"agent_id": outsider.pk})) == set()
    assert messages(api.get(URL, {"conversation_id": 999999})) == set()
    team_id = outsider.teams.first().pk
    assert messages(token_client(lead).get(URL, {"team_id": team_id})) == set()


def test_filters_by_conversation_and_period(admin_api, replies, conversation):
    assert len(
        admin_api.get(URL, {"conversation_id": conversation.pk, "limit": 100}).json()["items"]
    ) == 2 * len(Behaviour.values)
    assert messages(admin_api.get(URL, {"since": "2999-01-01T00:00:00Z"})) == set()
    assert messages(admin_api.get(URL, {"until": "2000-01-01T00:00:00Z"})) == set()


def test_bad_input_is_a_clear_error(admin_api):
    assert admin_api.get(URL, {"behaviour": "charm"}).status_code == 422
    assert admin_api.get(URL, {"cursor": "zzz"}).status_code == 400
    assert admin_api.get(URL, {"limit": 0}).status_code == 422


def test_pages_follow_the_cursor_in_constant_queries(
    admin_api, conversation, agent, django_assert_max_num_queries
):
    for n in range(3):
        send_reply(conversation, agent, f"Hi Ana, thanks. Update {n}.")
    seen = []
    cursor = None
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        with django_assert_max_num_queries(6):
            body = admin_api.get(URL, params).json()
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 3 * len(Behaviour.values)
    assert seen == sorted(seen, reverse=True)


def test_a_checked_reply_sends_the_qa_reply_checked_webhook(admin, conversation, agent):
    webhook_subscription_create(
        actor=admin,
        url="http://127.0.0.1:9/hook",
        event_types=[catalogue.QA_REPLY_CHECKED],
    )
    reply = send_reply(conversation, agent, NO_NAME)
    delivery = WebhookDelivery.objects.get(event_type=catalogue.QA_REPLY_CHECKED)
    body = json.loads(delivery.payload)
    data = body["data"]
    assert data["message_id"] == reply.pk
    assert data["agent"]["id"] == agent.pk
    marks = {m["behaviour"]: m for m in data["marks"]}
    assert marks["greets_by_name"]["outcome"] == "missed"
    assert set(marks) == set(Behaviour.values)
