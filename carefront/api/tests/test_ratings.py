"""`/ratings`: list with filters and cursors, detail, and a conversation's ratings."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.feedback.models import Rating
from carefront.feedback.tests.factories import rated, without_survey_throttle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_ratings_per_customer(settings):
    """Ana rates several conversations here, minutes apart."""
    without_survey_throttle(settings)


@pytest.fixture
def ratings(inbox, agent):
    """Three ratings, oldest first: great, not good (with a comment), okay."""
    made = [
        rated(inbox, agent, score="great", subject="First"),
        rated(inbox, agent, score="not_good", comment="Too slow", subject="Second"),
        rated(inbox, agent, score="okay", subject="Third"),
    ]
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for n, rating in enumerate(made):
        Rating.objects.filter(pk=rating.pk).update(created_at=base + dt.timedelta(days=n))
    return made


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_the_list_is_newest_first_with_everything_a_report_needs(api, ratings, agent):
    response = api.get("/api/v1/ratings")
    assert ids(response) == [r.pk for r in reversed(ratings)]
    second = response.json()["items"][1]
    assert second["score"] == "not_good"
    assert second["comment"] == "Too slow"
    assert second["conversation"] == {"id": ratings[1].conversation_id, "subject": "Second"}
    assert second["customer"]["email"] == "ana@example.com"
    assert second["agent"] == {"id": agent.pk, "name": agent.name}
    assert second["survey_sent_at"] is not None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"score": "not_good"}, [1]),
        ({"since": "2026-01-02T00:00:00+00:00"}, [2, 1]),
        ({"since": "2026-01-02T00:00:00+00:00", "sort": "created"}, [1, 2]),
        ({"agent_id": "me"}, [2, 1, 0]),
    ],
)
def test_filters(api, ratings, params, expected):
    assert ids(api.get("/api/v1/ratings", params)) == [ratings[i].pk for i in expected]


def test_filter_on_agent_and_conversation(api, ratings, agent, admin):
    assert ids(api.get("/api/v1/ratings", {"agent_id": agent.pk})) == [
        r.pk for r in reversed(ratings)
    ]
    assert ids(api.get("/api/v1/ratings", {"agent_id": admin.pk})) == []
    conversation = ratings[0].conversation_id
    assert ids(api.get("/api/v1/ratings", {"conversation_id": conversation})) == [ratings[0].pk]
    assert ids(api.get(f"/api/v1/conversations/{conversation}/ratings")) == [ratings[0].pk]


def test_cursor_pagination_walks_every_rating_once(api, ratings):
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/ratings", params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [r.pk for r in reversed(ratings)]
    wrong = api.get("/api/v1/ratings", {"cursor": cursor or "x", "sort": "created"})
    assert wrong.status_code == 400


def test_a_cursor_of_another_sort_is_refused(api, ratings):
    cursor = api.get("/api/v1/ratings", {"limit": 1}).json()["next_cursor"]
    response = api.get("/api/v1/ratings", {"cursor": cursor, "sort": "created"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    "params",
    [{"score": "excellent"}, {"since": "yesterday"}, {"agent_id": "you"}, {"limit": 1000}],
)
def test_bad_filters_are_422(api, ratings, params):
    assert api.get("/api/v1/ratings", params).status_code == 422


def test_detail(api, ratings):
    body = api.get(f"/api/v1/ratings/{ratings[1].pk}").json()
    assert body["score"] == "not_good"
    assert api.get("/api/v1/ratings/999999").status_code == 404


def test_another_teams_agent_sees_none(outsider_api, ratings):
    assert ids(outsider_api.get("/api/v1/ratings")) == []
    assert outsider_api.get(f"/api/v1/ratings/{ratings[0].pk}").status_code == 404
    conversation = ratings[0].conversation_id
    assert outsider_api.get(f"/api/v1/conversations/{conversation}/ratings").status_code == 404


def test_the_list_costs_the_same_queries_for_one_rating_and_many(api, inbox, agent):
    rated(inbox, agent)
    api.get("/api/v1/ratings")
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/ratings")
    for _ in range(4):
        rated(inbox, agent, score="okay")
    with CaptureQueriesContext(connection) as five:
        assert len(api.get("/api/v1/ratings").json()["items"]) == 5
    assert len(five.captured_queries) == len(one.captured_queries)
