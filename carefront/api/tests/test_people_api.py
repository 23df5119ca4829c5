"""The training, kudos and pulse endpoints: scoped like the UI, forged ids are 404, pulse
aggregates only (never an answer), bad payloads a clear 422/400."""

import datetime as dt

import pytest

from carefront.accounts.models import Role, TokenScope
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.quality.models import PulseAnswer, PulseRound, TrainingAssignment
from carefront.quality.services.pulse import ROUND_DAYS, pulse_answer, pulse_round_current
from carefront.quality.tests.people_factories import after_commit, in_days

from .conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD)
    team.members.add(lead)
    return lead


@pytest.fixture
def lead_api(lead):
    return token_client(lead)


def publish(lead_api, team_ids, **fields):
    payload = {
        "title": "Returns 101",
        "url": "/help/articles/returns/",
        "due_at": in_days(4).isoformat(),
        "team_ids": team_ids,
        **fields,
    }
    with after_commit():
        return lead_api.post("/api/v1/training", payload, content_type="application/json")


def test_a_lead_publishes_and_sees_who_has_not_acknowledged(lead_api, api, team, agent):
    response = publish(lead_api, [team.pk])
    assert response.status_code == 201, response.content
    item_id = response.json()["id"]
    assert api.get("/api/v1/training/mine").json()["open"][0]["item"]["id"] == item_id
    assert api.post(f"/api/v1/training/{item_id}/acknowledge").status_code == 200
    assert api.get("/api/v1/training/mine").json()["open"] == []
    status = lead_api.get(f"/api/v1/training/{item_id}").json()
    by_agent = {m["agent"]["id"]: m["acknowledged_at"] for m in status["members"]}
    assert by_agent[agent.pk] is not None
    listing = lead_api.get("/api/v1/training").json()["items"][0]
    assert listing["acknowledged"] == 1 and listing["teams"][0]["id"] == team.pk


def test_publishing_to_a_forged_team_is_404_and_agents_403(lead_api, api, team):
    assert publish(lead_api, [TeamFactory().pk]).status_code == 404
    assert publish(api, [team.pk]).status_code == 403
    assert not TrainingAssignment.objects.exists()


def test_bad_training_payloads_are_clear_errors(lead_api, team):
    assert publish(lead_api, [team.pk], url="mailto:x@example.com").status_code == 400
    assert publish(lead_api, [team.pk], due_at="tomorrow").status_code == 422
    assert publish(lead_api, [], title="x").status_code == 422


def test_an_agent_cannot_acknowledge_an_item_of_another_team(lead_api, outsider_api, team):
    item_id = publish(lead_api, [team.pk]).json()["id"]
    assert outsider_api.post(f"/api/v1/training/{item_id}/acknowledge").status_code == 404
    assert outsider_api.get(f"/api/v1/training/{item_id}").status_code == 404


def test_a_read_only_token_cannot_acknowledge(lead_api, agent, team):
    item_id = publish(lead_api, [team.pk]).json()["id"]
    read = token_client(agent, TokenScope.READ)
    assert read.post(f"/api/v1/training/{item_id}/acknowledge").status_code == 403


def test_kudos_through_the_api(api, agent, team, lead, outsider_api):
    with after_commit():
        response = api.post(
            "/api/v1/kudos",
            {"receiver_id": lead.pk, "message": "Thanks for the coaching"},
            content_type="application/json",
        )
    assert response.status_code == 201
    assert response.json()["giver"]["id"] == agent.pk
    assert api.get(f"/api/v1/kudos?team_id={team.pk}").json()["items"][0]["message"] == (
        "Thanks for the coaching"
    )
    assert outsider_api.get("/api/v1/kudos").json()["items"] == []
    forged = api.post(
        "/api/v1/kudos",
        {"receiver_id": lead.pk, "message": "x", "conversation_id": 987654},
        content_type="application/json",
    )
    assert forged.status_code == 404


def test_the_pulse_is_answered_once_and_returns_nothing(api, agent):
    payload = {"feeling": 3, "workload": 2, "support": 4, "enps": 7}
    response = api.post("/api/v1/pulse/answers", payload, content_type="application/json")
    assert response.status_code == 204 and response.content == b""
    assert api.get("/api/v1/pulse").json()["answered"] is True
    again = api.post("/api/v1/pulse/answers", payload, content_type="application/json")
    assert again.status_code == 400
    bad = api.post(
        "/api/v1/pulse/answers", {**payload, "enps": 11}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert PulseAnswer.objects.count() == 1


def test_pulse_aggregates_for_leads_of_the_team_only(lead_api, api, outsider_api, team):
    members = [AgentFactory() for _ in range(5)]
    team.members.add(*members)
    for i, member in enumerate(members):
        pulse_answer(
            actor=member,
            team_id=team.pk,
            feeling=5,
            workload=4,
            support=3,
            enps=i,
            comment="private words",
        )
    pulse_round = pulse_round_current()
    shift = dt.timedelta(days=ROUND_DAYS)
    PulseRound.objects.filter(pk=pulse_round.pk).update(
        starts_on=pulse_round.starts_on - shift, ends_on=pulse_round.ends_on - shift
    )
    body = lead_api.get(f"/api/v1/teams/{team.pk}/pulse").json()
    [result] = body["rounds"]
    assert result["answers"] == 5 and result["shown"] and result["feeling"] == 5.0
    assert result["enps"] == -100
    assert set(result) == {
        "round_starts_on",
        "round_ends_on",
        "answers",
        "shown",
        "feeling",
        "workload",
        "support",
        "enps",
        "comments",
        "csat_great_percent",
        "ratings",
    }
    assert api.get(f"/api/v1/teams/{team.pk}/pulse").status_code == 403
    assert outsider_api.get(f"/api/v1/teams/{team.pk}/pulse").status_code == 403
    other_lead = AgentFactory(role=Role.LEAD)
    TeamFactory().members.add(other_lead)
    assert token_client(other_lead).get(f"/api/v1/teams/{team.pk}/pulse").status_code == 404


def test_below_five_answers_the_api_gives_the_count_only(lead_api, team):
    members = [AgentFactory() for _ in range(4)]
    team.members.add(*members)
    for member in members:
        pulse_answer(
            actor=member,
            team_id=team.pk,
            feeling=1,
            workload=1,
            support=1,
            enps=0,
            comment="identifying remark",
        )
    pulse_round = pulse_round_current()
    shift = dt.timedelta(days=ROUND_DAYS)
    PulseRound.objects.filter(pk=pulse_round.pk).update(
        starts_on=pulse_round.starts_on - shift, ends_on=pulse_round.ends_on - shift
    )
    response = lead_api.get(f"/api/v1/teams/{team.pk}/pulse")
    [result] = response.json()["rounds"]
    assert result["answers"] == 4 and not result["shown"]
    assert result["feeling"] is None and result["comments"] == []
    assert b"identifying" not in response.content
