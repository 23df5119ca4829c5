"""The API of snooze and follow-up promises: answers, clear errors, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carefront.conversations.models import Status
from carefront.sla.models import FollowUp, FollowUpState

pytestmark = pytest.mark.django_db


def _post(api, url: str, payload: dict | None = None):
    return api.post(url, payload or {}, content_type="application/json")


def _in(days: float) -> str:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0).isoformat()


def test_snooze_and_wake(api, conversation):
    base = f"/api/v1/conversations/{conversation.pk}"
    until = _in(2)
    response = _post(api, f"{base}/snooze", {"until": until})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "snoozed"
    assert dt.datetime.fromisoformat(body["snoozed_until"]) == dt.datetime.fromisoformat(until)
    snoozed = api.get("/api/v1/conversations", {"folder": "snoozed"}).json()["items"]
    assert [c["id"] for c in snoozed] == [conversation.pk]
    assert api.get("/api/v1/conversations", {"folder": "open"}).json()["items"] == []
    woken = _post(api, f"{base}/wake").json()
    assert (woken["status"], woken["snoozed_until"]) == ("open", None)


@pytest.mark.parametrize(
    ("until", "status", "fragment"),
    [
        ("2001-01-01T09:00:00+00:00", 400, "must be in the future"),
        ("2030-01-01T09:00:00", 422, ""),  # no offset
        ("next tuesday", 422, ""),
    ],
)
def test_a_bad_snooze_time_is_refused(api, conversation, until, status, fragment):
    response = _post(api, f"/api/v1/conversations/{conversation.pk}/snooze", {"until": until})
    assert response.status_code == status
    assert fragment in response.json()["detail"]
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_the_status_endpoint_refuses_snoozed_with_a_pointer_to_snooze(api, conversation):
    response = _post(api, f"/api/v1/conversations/{conversation.pk}/status", {"status": "snoozed"})
    assert response.status_code == 400
    assert "/snooze" in response.json()["detail"]


def test_make_list_complete_and_cancel_promises(api, agent, conversation):
    base = f"/api/v1/conversations/{conversation.pk}/follow-ups"
    created = _post(api, base, {"due_at": _in(1), "note": "ask the warehouse"})
    assert created.status_code == 201
    body = created.json()
    assert (body["state"], body["owner"]["id"], body["note"]) == (
        "open",
        agent.pk,
        "ask the warehouse",
    )
    assert body["suggested_customer_text"].startswith("I will get back to you by ")
    assert api.get(f"/api/v1/conversations/{conversation.pk}").json()["status"] == "snoozed"
    second = _post(api, base, {"due_at": _in(2), "customer_text": "By Friday."}).json()
    assert second["customer_text"] == "By Friday."
    listed = api.get(base).json()["items"]
    assert [f["id"] for f in listed] == [body["id"], second["id"]]
    done = _post(api, f"{base}/{body['id']}/complete").json()
    assert (done["state"], done["is_outstanding"]) == ("kept", False)
    again = _post(api, f"{base}/{body['id']}/complete")
    assert again.status_code == 400
    assert "already kept" in again.json()["detail"]
    assert _post(api, f"{base}/{second['id']}/cancel").json()["state"] == "cancelled"


def test_a_reply_through_the_api_keeps_an_open_promise(api, conversation):
    base = f"/api/v1/conversations/{conversation.pk}"
    promise = _post(api, f"{base}/follow-ups", {"due_at": _in(1)}).json()
    _post(api, f"{base}/replies", {"body": "Here is the answer."})
    [row] = api.get(f"{base}/follow-ups").json()["items"]
    assert row["id"] == promise["id"]
    assert row["state"] == "kept"
    assert row["kept_by_message_id"] is not None


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"due_at": "2001-01-01T00:00:00+00:00"}, 400),
        ({"due_at": _in(1), "owner_id": 10**9}, 400),
        ({"due_at": _in(1), "note": "x" * 2001}, 422),
        ({}, 422),
    ],
)
def test_a_bad_promise_is_refused_and_nothing_is_saved(api, conversation, payload, status):
    response = _post(api, f"/api/v1/conversations/{conversation.pk}/follow-ups", payload)
    assert response.status_code == status, response.content
    assert not FollowUp.objects.exists()


def test_an_owner_outside_the_inbox_is_refused(api, outsider, conversation):
    response = _post(
        api,
        f"/api/v1/conversations/{conversation.pk}/follow-ups",
        {"due_at": _in(1), "owner_id": outsider.pk},
    )
    assert response.status_code == 403
    assert not FollowUp.objects.exists()


def test_a_promise_of_another_conversation_is_not_found(api, agent, inbox, conversation):
    from carefront.conversations.tests.factories import conversation_for

    other = conversation_for(inbox)
    promise = _post(api, f"/api/v1/conversations/{other.pk}/follow-ups", {"due_at": _in(1)})
    url = f"/api/v1/conversations/{conversation.pk}/follow-ups/{promise.json()['id']}/complete"
    assert _post(api, url).status_code == 404
    assert FollowUp.objects.get().state == FollowUpState.OPEN


def test_the_list_costs_the_same_queries_for_one_or_many(api, conversation):
    base = f"/api/v1/conversations/{conversation.pk}/follow-ups"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(base).status_code == 200
        return len(ctx.captured_queries)

    _post(api, base, {"due_at": _in(1)})
    api.get(base)
    one = count()
    for day in range(2, 8):
        _post(api, base, {"due_at": _in(day)})
    assert count() == one
