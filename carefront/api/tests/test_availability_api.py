"""GET/PUT /api/v1/me/availability, and the agents list shows each agent's status."""

import pytest
from django.test import Client

from carefront.accounts.models import Agent


def test_get_my_availability(api):
    response = api.get("/api/v1/me/availability")
    assert response.status_code == 200
    body = response.json()
    assert body["availability"] == "offline"
    assert body["chat_capacity"] == 3
    assert body["conversation_capacity"] is None


def test_put_my_availability(api, agent):
    response = api.put(
        "/api/v1/me/availability", {"availability": "online"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["availability"] == "online"
    assert response.json()["status_changed_at"]
    assert Agent.objects.get(pk=agent.pk).availability == "online"


@pytest.mark.parametrize("payload", [{"availability": "busy"}, {}, {"availability": 3}])
def test_bad_input_is_a_clear_error(api, agent, payload):
    response = api.put("/api/v1/me/availability", payload, content_type="application/json")
    assert response.status_code in {400, 422}
    assert "error" in response.json() or "detail" in response.json()
    assert Agent.objects.get(pk=agent.pk).availability == "offline"


def test_read_only_tokens_cannot_change_it(read_api, agent):
    response = read_api.put(
        "/api/v1/me/availability", {"availability": "online"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Agent.objects.get(pk=agent.pk).availability == "offline"


def test_anonymous_is_refused(db):
    assert Client().get("/api/v1/me/availability").status_code == 401


def test_agents_list_shows_status(api, agent):
    api.put("/api/v1/me/availability", {"availability": "away"}, content_type="application/json")
    items = api.get("/api/v1/agents").json()["items"]
    assert {a["id"]: a["availability"] for a in items}[agent.pk] == "away"
