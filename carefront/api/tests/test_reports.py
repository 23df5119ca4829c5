"""GET /api/v1/reports/feedback: the report page's figures as JSON, scoped by role, clear
errors for bad parameters, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.conversations.tests.factories import conversation_for
from carefront.feedback.tests.report_data import at, rating_for, report_world, task_for
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/feedback"
MARCH = {"since": "2026-03-01", "until": "2026-03-31", "tz": "Europe/Berlin"}


@pytest.fixture
def world(db):
    return report_world()


def test_the_admin_gets_the_figures(world):
    body = token_client(world["admin"]).get(URL, {**MARCH, "period": "week"}).json()
    assert body["scope"] == "all"
    assert body["csat"]["ratings"] == 5
    assert body["csat"]["csat"] == 60.0
    assert body["csat"]["average"] == 2.4
    assert (body["csat"]["surveys_sent"], body["csat"]["surveys_answered"]) == (6, 4)
    assert body["nps"]["nps"] == 25.0
    assert body["nps"]["response_rate"] == 80.0
    assert [row["name"] for row in body["rows"]] == ["Alpha", "Beta"]
    assert body["rows"][0]["id"] == world["inbox_a"].pk
    assert body["rows"][0]["nps"]["promoters"] == 2
    assert body["rows"][1]["nps"] is None
    assert [p["start"] for p in body["trend"]][:2] == ["2026-02-23", "2026-03-02"]
    assert body["recovery"]["median_hours"] == 10.0
    assert body["recovery"]["p90_hours"] == 26.0


def test_an_agent_gets_their_own_figures_and_no_nps(world):
    body = token_client(world["bob"]).get(URL, {**MARCH, "by": "agent"}).json()
    assert body["scope"] == "own"
    assert body["nps"] is None
    assert [row["id"] for row in body["rows"]] == [world["bob"].pk]
    assert all(p["nps"] is None for p in body["trend"])


def test_a_lead_gets_their_teams(world):
    body = token_client(world["lead"]).get(URL, {**MARCH, "by": "team"}).json()
    assert body["scope"] == "teams"
    assert [row["name"] for row in body["rows"]] == ["North"]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"since": "2026-04-01", "until": "2026-03-01"}, 400, "before its start"),
        ({"since": "2020-01-01", "until": "2026-03-01"}, 400, "at most 731 days"),
        ({"since": "2026-03-01", "until": "2026-03-31", "tz": "Mars/Base"}, 400, "time zone"),
        ({"since": "2026-03-01", "until": "2026-03-31", "period": "year"}, 422, ""),
        ({"until": "2026-03-31"}, 422, ""),
        ({"since": "3 March", "until": "2026-03-31"}, 422, ""),
    ],
)
def test_bad_parameters_are_refused_clearly(world, params, status, message):
    response = token_client(world["admin"]).get(URL, params)
    assert response.status_code == status
    assert message in response.content.decode()


def test_the_query_count_does_not_grow_with_the_data(world):
    client = token_client(world["admin"])
    client.get(URL, MARCH)  # the token's first use records last_used_at
    with CaptureQueriesContext(connection) as before:
        client.get(URL, MARCH)
    inbox_c = InboxFactory(name="Gamma")
    for i in range(8):
        c = conversation_for(inbox_c, from_address=f"more{i}@example.com")
        rating_for(c, world["ann"], "great", when=at(f"2026-03-0{i + 1}T10:00"))
        task_for(c, world["ann"], opened=at(f"2026-03-0{i + 1}T11:00"), hours=i)
    with CaptureQueriesContext(connection) as after:
        body = client.get(URL, MARCH).json()
    assert body["csat"]["ratings"] == 13
    assert len(after.captured_queries) == len(before.captured_queries)
