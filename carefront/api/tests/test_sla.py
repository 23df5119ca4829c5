"""The SLA targets in the REST API: a conversation's `sla` block, with no query per row."""

# ruff: noqa: F811 - the SLA fixtures are imported, then used as arguments

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.conversations.services import conversation_reply
from carefront.conversations.tests.factories import conversation_for
from carefront.sla.tests.conftest import clock, policy  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def test_the_conversation_detail_has_its_sla_block(api, inbox, agent, policy, clock):
    conversation = conversation_for(inbox)
    clock.advance(minutes=70)
    conversation_reply(conversation=conversation, author=agent, body="Late, sorry.")
    clock.advance(minutes=5)
    sla = api.get(f"/api/v1/conversations/{conversation.pk}").json()["sla"]
    assert sla["state"] == "ok"
    assert sla["due_at"] == "2026-03-02T18:00:00Z"
    first, resolution = sla["targets"]
    assert first == {
        "id": first["id"],
        "kind": "first_reply",
        "state": "met",
        "basis": "calendar",
        "target_seconds": 3600,
        "policy_id": policy.pk,
        "started_at": "2026-03-02T10:00:00Z",
        "due_at": "2026-03-02T11:00:00Z",
        "at_risk_at": "2026-03-02T10:30:00Z",
        "met_at": "2026-03-02T11:10:00Z",
        "breached_at": "2026-03-02T11:00:00Z",
        "elapsed_seconds": 4200,
        "breached_by_seconds": 600,
    }
    assert (resolution["state"], resolution["elapsed_seconds"]) == ("running", 75 * 60)
    assert resolution["breached_by_seconds"] is None


def test_a_running_target_past_due_says_by_how_much(api, inbox, policy, clock):
    conversation = conversation_for(inbox)
    clock.advance(minutes=65)
    sla = api.get(f"/api/v1/conversations/{conversation.pk}").json()["sla"]
    assert sla["state"] == "breached"
    first = next(t for t in sla["targets"] if t["kind"] == "first_reply")
    assert first["breached_by_seconds"] == 300


def test_the_list_fetches_targets_in_one_query(api, inbox, policy, clock):
    def count() -> int:
        api.get("/api/v1/conversations")
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/conversations", {"limit": 100})
        assert all(item["sla"]["targets"] for item in response.json()["items"])
        return len(queries)

    for _ in range(2):
        conversation_for(inbox)
    small = count()
    for _ in range(12):
        conversation_for(inbox)
    assert count() == small
