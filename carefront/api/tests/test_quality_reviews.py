"""`/scorecards` and `/reviews`: building and versioning scorecards (leads and admins), reviewing,
the agent's answer and dispute, the lead's resolution; scoping with forged ids; bad input;
query counts; the schema's literals."""

from typing import get_args

import pytest

from carefront.accounts.models import Role, TokenScope
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.api.schemas_reviews import ReviewStateName, ScaleName
from carefront.api.tests.conftest import token_client
from carefront.quality.models import Review, ReviewState, Scale
from carefront.quality.tests.factories import replied, review, scorecard

pytestmark = pytest.mark.django_db

CARD = {
    "name": "Support",
    "scale": "1-4",
    "categories": [
        {"name": "Greeting", "weight": 1, "behaviour": "greets_by_name"},
        {"name": "Solution", "weight": 3, "critical": True},
    ],
}


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


@pytest.fixture
def lead_api(lead):
    return token_client(lead)


@pytest.fixture
def other_lead_api(db):
    other = AgentFactory(role=Role.LEAD)
    TeamFactory().members.add(other)
    return token_client(other)


def test_the_literals_match_the_models():
    assert set(get_args(ScaleName)) == set(Scale.values)
    assert set(get_args(ReviewStateName)) == set(ReviewState.values)


def test_scorecards_are_created_listed_and_edited_as_versions(lead_api, api):
    response = lead_api.post("/api/v1/scorecards", CARD, content_type="application/json")
    assert response.status_code == 201, response.content
    card = response.json()
    assert card["version"] == 1
    assert [(c["name"], c["critical"]) for c in card["categories"]] == [
        ("Greeting", False),
        ("Solution", True),
    ]
    edited = {**CARD, "categories": [{**CARD["categories"][1], "key": "solution", "weight": 2}]}
    response = lead_api.put(
        f"/api/v1/scorecards/{card['id']}", edited, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    assert [c["key"] for c in api.get("/api/v1/scorecards").json()[0]["categories"]] == ["solution"]
    assert api.post("/api/v1/scorecards", CARD, content_type="application/json").status_code == 403
    bad = {**CARD, "scale": "1-10"}
    assert lead_api.post(
        "/api/v1/scorecards", bad, content_type="application/json"
    ).status_code in {
        400,
        422,
    }
    assert api.get("/api/v1/scorecards/999999").status_code == 404


def test_review_dispute_and_resolve(lead_api, api, lead, agent, inbox):
    card = scorecard(lead)
    conversation = replied(inbox, agent)[0]
    categories = lead_api.get(f"/api/v1/scorecards/{card.pk}").json()["categories"]
    payload = {
        "conversation_id": conversation.pk,
        "agent_id": agent.pk,
        "scorecard_id": card.pk,
        "scores": [
            {"category_id": categories[0]["id"], "value": 4},
            {"category_id": categories[1]["id"], "value": 2, "comment": "Half right"},
            {"category_id": categories[2]["id"], "value": 1},
        ],
        "comment": "Watch the tone",
    }
    response = lead_api.post("/api/v1/reviews", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["failed"] is True and body["score"] == 33.3
    assert body["scores"][1]["comment"] == "Half right"

    again = lead_api.post("/api/v1/reviews", payload, content_type="application/json")
    assert again.status_code == 409

    listed = api.get("/api/v1/reviews").json()
    assert [r["id"] for r in listed["items"]] == [body["id"]] and listed["items"][0][
        "scores"
    ] is None
    url = f"/api/v1/reviews/{body['id']}"
    disputed = api.post(f"{url}/dispute", {"text": "Not fair"}, content_type="application/json")
    assert disputed.status_code == 200 and disputed.json()["state"] == "disputed"
    resolved = lead_api.post(
        f"{url}/resolve",
        {"accept": False, "resolution": "The tone was off"},
        content_type="application/json",
    )
    assert resolved.json()["state"] == "dispute_rejected"


def test_forged_ids_and_other_teams(
    lead, lead_api, other_lead_api, outsider_api, api, agent, inbox
):
    card = scorecard(lead)
    r = review(lead, replied(inbox, agent)[0], agent, card, 3, 3, 3)
    for client in (other_lead_api, outsider_api):
        assert client.get(f"/api/v1/reviews/{r.pk}").status_code == 404
        assert client.get("/api/v1/reviews").json()["items"] == []
        response = client.post(
            f"/api/v1/reviews/{r.pk}/dispute", {"text": "x"}, content_type="application/json"
        )
        assert response.status_code == 404
    forged = {
        "conversation_id": replied(inbox, agent)[0].pk,
        "agent_id": agent.pk,
        "scorecard_id": card.pk,
        "scores": [],
    }
    response = other_lead_api.post("/api/v1/reviews", forged, content_type="application/json")
    assert response.status_code == 400
    assert api.post("/api/v1/reviews", forged, content_type="application/json").status_code in {
        400,
        403,
    }
    assert Review.objects.count() == 1


def test_a_read_only_token_cannot_dispute(lead, agent, inbox):
    r = review(lead, replied(inbox, agent)[0], agent, scorecard(lead), 3, 3, 3)
    read = token_client(agent, TokenScope.READ)
    response = read.post(
        f"/api/v1/reviews/{r.pk}/dispute", {"text": "x"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_list_costs_the_same_for_more_rows(
    lead, lead_api, agent, inbox, django_assert_max_num_queries
):
    card = scorecard(lead)
    review(lead, replied(inbox, agent)[0], agent, card, 3, 3, 3)
    with django_assert_max_num_queries(10) as first:
        lead_api.get("/api/v1/reviews")
    for _ in range(4):
        review(lead, replied(inbox, agent)[0], agent, card, 3, 3, 3)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = lead_api.get("/api/v1/reviews", {"limit": 3})
    page = response.json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = lead_api.get("/api/v1/reviews", {"cursor": page["next_cursor"]}).json()
    assert len(rest["items"]) == 2
    assert lead_api.get("/api/v1/reviews", {"cursor": "nope"}).status_code == 400
