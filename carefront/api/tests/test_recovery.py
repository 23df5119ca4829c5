"""`/recovery-tasks`: a lead's list (open by due time, closed newest first), filters, cursors,
detail, close and reassign; scoping; query counts; the schema's literals."""

import datetime as dt
from typing import get_args

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.accounts.models import Role, TokenScope
from carefront.accounts.tests.factories import AgentFactory
from carefront.api.schemas_recovery import (
    RecoveryOutcomeName,
    RecoveryReasonName,
    RecoveryStateName,
    SourceKindName,
)
from carefront.api.tests.conftest import token_client
from carefront.feedback.models import (
    RecoveryOutcome,
    RecoveryReason,
    RecoveryState,
    RecoveryTask,
    SourceKind,
)
from carefront.feedback.tests.factories import rated

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_survey_throttle(settings):
    """One customer rates several conversations minutes apart here; the throttle (nobody asked
    twice in 90 days, tested in test_nps.py) would stop every survey but the first."""
    from carefront.feedback.tests.factories import without_survey_throttle

    without_survey_throttle(settings)


BASE = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


@pytest.fixture
def lead_api(lead):
    return token_client(lead)


@pytest.fixture
def tasks(inbox, agent, lead):
    """Three open tasks owned by the lead, due on day 2, 0 and 1 (ids in creation order)."""
    made = []
    for n, days in enumerate((2, 0, 1)):
        rated(inbox, agent, score="not_good", comment=f"Bad {n}", subject=f"Case {n}")
        task = RecoveryTask.objects.order_by("-id").first()
        RecoveryTask.objects.filter(pk=task.pk).update(due_at=BASE + dt.timedelta(days=days))
        made.append(task)
    return made


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_the_leads_list_is_open_tasks_soonest_due_first(lead_api, tasks, agent, lead):
    response = lead_api.get("/api/v1/recovery-tasks")
    assert ids(response) == [tasks[1].pk, tasks[2].pk, tasks[0].pk]
    first = response.json()["items"][0]
    assert first["state"] == "open"
    assert first["reason"] == "bad_rating"
    assert first["source"] == {"kind": "csat", "id": tasks[1].source_id}
    assert first["comment"] == "Bad 1"
    assert first["owner"] == {"id": lead.pk, "name": "Lena Lead"}
    assert first["agent"] == {"id": agent.pk, "name": agent.name}
    assert first["overdue"] is True  # due in January 2026
    assert first["outcome"] is None


def test_close_records_the_outcome_and_moves_it_to_the_closed_list(lead_api, tasks, lead):
    url = f"/api/v1/recovery-tasks/{tasks[1].pk}/close"
    response = lead_api.post(
        url, {"outcome": "resolved", "note": "Refunded"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["outcome"], body["note"]) == ("closed", "resolved", "Refunded")
    assert body["closed_by"] == {"id": lead.pk, "name": "Lena Lead"}
    assert body["overdue"] is False
    assert tasks[1].pk not in ids(lead_api.get("/api/v1/recovery-tasks"))
    assert ids(lead_api.get("/api/v1/recovery-tasks", {"state": "closed"})) == [tasks[1].pk]
    again = lead_api.post(url, {"outcome": "contacted"}, content_type="application/json")
    assert again.status_code == 400
    assert RecoveryTask.objects.get(pk=tasks[1].pk).outcome == "resolved"


@pytest.mark.parametrize(
    "payload", [{}, {"outcome": "fixed"}, {"outcome": "resolved", "note": "x" * 4001}]
)
def test_close_without_a_valid_outcome_is_refused_and_changes_nothing(lead_api, tasks, payload):
    response = lead_api.post(
        f"/api/v1/recovery-tasks/{tasks[0].pk}/close", payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert RecoveryTask.objects.get(pk=tasks[0].pk).state == "open"


def test_a_read_only_token_cannot_close(lead, tasks):
    client = token_client(lead, TokenScope.READ)
    response = client.post(
        f"/api/v1/recovery-tasks/{tasks[0].pk}/close",
        {"outcome": "resolved"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert RecoveryTask.objects.get(pk=tasks[0].pk).state == "open"


def test_an_agent_sees_and_closes_only_the_tasks_they_own(api, lead_api, tasks, agent):
    assert ids(api.get("/api/v1/recovery-tasks", {"owner": "anyone"})) == []
    assert api.get(f"/api/v1/recovery-tasks/{tasks[0].pk}").status_code == 404
    reassigned = lead_api.post(
        f"/api/v1/recovery-tasks/{tasks[0].pk}/reassign",
        {"owner_id": agent.pk},
        content_type="application/json",
    )
    assert reassigned.json()["owner"] == {"id": agent.pk, "name": agent.name}
    assert ids(api.get("/api/v1/recovery-tasks")) == [tasks[0].pk]
    closed = api.post(
        f"/api/v1/recovery-tasks/{tasks[0].pk}/close",
        {"outcome": "could_not_reach"},
        content_type="application/json",
    )
    assert closed.status_code == 200


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"owner": "anyone"}, [1, 2, 0]),
        ({"owner": "unowned"}, []),
        ({"reason": "negative_comment"}, []),
        ({"overdue": "true"}, [1, 2, 0]),
    ],
)
def test_filters(lead_api, tasks, params, expected):
    got = ids(lead_api.get("/api/v1/recovery-tasks", params))
    assert got == [tasks[i].pk for i in expected]


def test_filter_on_conversation_and_inbox(lead_api, tasks, inbox):
    conversation = tasks[2].conversation_id
    assert ids(lead_api.get("/api/v1/recovery-tasks", {"conversation_id": conversation})) == [
        tasks[2].pk
    ]
    assert len(ids(lead_api.get("/api/v1/recovery-tasks", {"inbox_id": inbox.pk}))) == 3


def test_cursor_pagination_walks_every_task_once(lead_api, tasks):
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        body = lead_api.get("/api/v1/recovery-tasks", params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [tasks[1].pk, tasks[2].pk, tasks[0].pk]


def test_a_cursor_of_the_other_list_is_refused(lead_api, tasks):
    cursor = lead_api.get("/api/v1/recovery-tasks", {"limit": 1}).json()["next_cursor"]
    response = lead_api.get("/api/v1/recovery-tasks", {"cursor": cursor, "state": "closed"})
    assert response.status_code == 400
    assert lead_api.get("/api/v1/recovery-tasks", {"cursor": "garbage"}).status_code == 400


@pytest.mark.parametrize("params", [{"state": "done"}, {"owner": "you"}, {"limit": 1000}])
def test_bad_filters_are_422(lead_api, tasks, params):
    assert lead_api.get("/api/v1/recovery-tasks", params).status_code == 422


def test_the_list_costs_the_same_queries_for_one_task_and_many(lead_api, inbox, agent, lead):
    rated(inbox, agent, score="not_good")
    lead_api.get("/api/v1/recovery-tasks")
    with CaptureQueriesContext(connection) as one:
        assert len(ids(lead_api.get("/api/v1/recovery-tasks"))) == 1
    for _ in range(4):
        rated(inbox, agent, score="not_good")
    with CaptureQueriesContext(connection) as five:
        assert len(ids(lead_api.get("/api/v1/recovery-tasks"))) == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_schema_literals_match_the_models():
    assert set(get_args(RecoveryStateName)) == set(RecoveryState.values)
    assert set(get_args(RecoveryReasonName)) == set(RecoveryReason.values)
    assert set(get_args(RecoveryOutcomeName)) == set(RecoveryOutcome.values)
    assert set(get_args(SourceKindName)) == set(SourceKind.values)
