"""SLA policies over the API: admins list them in order, create, replace, move and delete;
bad input is a clear 400/422 and nothing is saved; agents get 403."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.sla.models import SlaPolicy

pytestmark = pytest.mark.django_db

URL = "/api/v1/sla-policies"


def _policy(**changes) -> dict:
    return {
        "name": "Enterprise",
        "customer_attribute": "plan",
        "customer_attribute_value": "enterprise",
        "first_reply_minutes": 60,
        "next_reply_minutes": 240,
        "resolution_minutes": 2880,
        "resolution_basis": "calendar",
        "at_risk_minutes": 15,
        "raise_priority": "breached",
        **changes,
    }


def test_an_admin_creates_reads_and_lists_a_policy(admin_api, inbox, team):
    response = admin_api.post(
        URL,
        _policy(
            inbox_ids=[inbox.pk],
            team_ids=[team.pk],
            priorities=["urgent", "high"],
            channels=["email"],
            tags=["VIP"],
            requester="external",
            reassign_team_id=team.pk,
            reassign_when="breached",
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["position"] == 1
    assert body["inboxes"] == [{"id": inbox.pk, "name": inbox.name}]
    assert body["priorities"] == ["urgent", "high"]
    assert body["tags"] == ["vip"]
    assert body["reassign_team"] == {"id": team.pk, "name": team.name}
    assert (body["resolution_minutes"], body["resolution_basis"]) == (2880, "calendar")
    assert admin_api.get(f"{URL}/{body['id']}").json() == body
    listing = admin_api.get(URL).json()
    assert [p["name"] for p in listing["items"]] == ["Enterprise"]
    assert listing["next_cursor"] is None


def test_policies_move_and_are_replaced_and_deleted(admin_api):
    ids = [
        admin_api.post(URL, _policy(name=name), content_type="application/json").json()["id"]
        for name in ("A", "B")
    ]
    moved = admin_api.post(f"{URL}/{ids[1]}/move", {"direction": "up"}, "application/json")
    assert [(p["name"], p["position"]) for p in moved.json()["items"]] == [("B", 1), ("A", 2)]
    replaced = admin_api.put(
        f"{URL}/{ids[0]}",
        _policy(name="A2", first_reply_minutes=30, at_risk_minutes=10),
        "application/json",
    )
    assert replaced.status_code == 200
    assert (replaced.json()["name"], replaced.json()["first_reply_minutes"]) == ("A2", 30)
    assert replaced.json()["position"] == 2
    assert admin_api.delete(f"{URL}/{ids[0]}").status_code == 204
    assert admin_api.get(f"{URL}/{ids[0]}").status_code == 404
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["B"]


@pytest.mark.parametrize(
    ("changes", "status", "text"),
    [
        (
            {"first_reply_minutes": None, "next_reply_minutes": None, "resolution_minutes": None},
            400,
            "at least one target",
        ),
        ({"at_risk_minutes": 90}, 400, "at-risk warning"),
        ({"inbox_ids": [999999]}, 400, "No inbox has the id 999999."),
        ({"reassign_team_id": 999999}, 400, "No team has the id 999999."),
        ({"first_reply_minutes": 0}, 422, ""),
        ({"priorities": ["asap"]}, 422, ""),
        ({"first_reply_basis": "lunar"}, 422, ""),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(admin_api, changes, status, text):
    response = admin_api.post(URL, _policy(**changes), content_type="application/json")
    assert response.status_code == status, response.content
    assert text in response.json()["detail"]
    assert not SlaPolicy.objects.exists()


def test_agents_cannot_read_or_write_policies(api, admin_api):
    created = admin_api.post(URL, _policy(), content_type="application/json").json()
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}/{created['id']}").status_code == 403
    assert api.post(URL, _policy(name="Mine"), content_type="application/json").status_code == 403
    assert api.delete(f"{URL}/{created['id']}").status_code == 403
    assert SlaPolicy.objects.count() == 1


def test_the_list_costs_the_same_queries_for_more_policies(admin_api, inbox):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_api.get(URL).status_code == 200
        return len(ctx.captured_queries)

    for i in range(2):
        admin_api.post(
            URL, _policy(name=f"P{i}", inbox_ids=[inbox.pk], tags=["x"]), "application/json"
        )
    small = count()
    for i in range(2, 12):
        admin_api.post(
            URL, _policy(name=f"P{i}", inbox_ids=[inbox.pk], tags=["x"]), "application/json"
        )
    assert count() == small
