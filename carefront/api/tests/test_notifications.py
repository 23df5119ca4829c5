"""The caller's notifications over the API: list, mark read, preferences."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.conversations.tests.factories import conversation_for
from carefront.notifications.models import Notification
from carefront.notifications.services import notification_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


def _notify(agent, conversation, key: str, **params):
    params.setdefault("target", "first_reply")
    return notification_create(
        recipient=agent,
        kind="sla_breached",
        conversation_id=conversation.pk,
        dedupe_key=key,
        **params,
    )


def test_list_is_the_callers_own_newest_first(api, outsider_api, agent, conversation):
    first = _notify(agent, conversation, "a", due_at="2026-03-01T12:00:00+00:00")
    second = _notify(agent, conversation, "b")
    body = api.get(URL).json()
    assert [item["id"] for item in body["items"]] == [second.pk, first.pk]
    item = body["items"][1]
    assert item["kind"] == "sla_breached"
    assert item["text"] == "First reply target breached"
    assert item["conversation_id"] == conversation.pk
    assert item["conversation_subject"] == "Where is my parcel?"
    assert item["due_at"].startswith("2026-03-01T12:00:00")
    assert item["params"]["target"] == "first_reply"
    assert item["read_at"] is None
    assert body["unread_count"] == 2
    assert body["unread_capped"] is False
    assert outsider_api.get(URL).json()["items"] == []


def test_pages_follow_the_cursor_and_unread_filters(api, agent, conversation):
    made = [_notify(agent, conversation, f"k{i}") for i in range(5)]
    Notification.objects.filter(pk=made[4].pk).update(read_at=made[4].created_at)
    first = api.get(URL, {"limit": 2, "unread": "true"}).json()
    assert [i["id"] for i in first["items"]] == [made[3].pk, made[2].pk]
    second = api.get(URL, {"limit": 2, "unread": "true", "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in second["items"]] == [made[1].pk, made[0].pk]
    assert second["next_cursor"] is None
    bad = api.get(URL, {"cursor": "garbage"})
    assert bad.status_code == 400


def test_mark_one_read_and_another_agents_is_a_404(api, outsider_api, agent, conversation):
    notification = _notify(agent, conversation, "a")
    assert outsider_api.post(f"{URL}/{notification.pk}/read").status_code == 404
    response = api.post(f"{URL}/{notification.pk}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert api.post(f"{URL}/{notification.pk}/read").status_code == 200  # idempotent
    assert api.get(URL).json()["unread_count"] == 0


def test_mark_all_read_up_to_an_id(api, agent, conversation):
    seen = _notify(agent, conversation, "a")
    later = _notify(agent, conversation, "b")
    response = api.post(f"{URL}/read", {"up_to_id": seen.pk}, content_type="application/json")
    assert response.json() == {"marked": 1}
    assert Notification.objects.get(pk=later.pk).read_at is None
    response = api.post(f"{URL}/read", {}, content_type="application/json")
    assert response.json() == {"marked": 1}


def test_a_read_only_token_may_list_but_not_mark(read_api, agent, conversation):
    notification = _notify(agent, conversation, "a")
    assert read_api.get(URL).status_code == 200
    assert read_api.post(f"{URL}/{notification.pk}/read").status_code == 403
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_preferences_default_on_and_can_be_turned_off(api):
    assert api.get(f"{URL}/preferences").json() == {"email": True}
    response = api.put(f"{URL}/preferences", {"email": False}, content_type="application/json")
    assert response.json() == {"email": False}
    assert api.get(f"{URL}/preferences").json() == {"email": False}
    bad = api.put(f"{URL}/preferences", {"email": "perhaps"}, content_type="application/json")
    assert bad.status_code in {400, 422}


def test_the_list_costs_the_same_queries_for_3_or_60(api, agent, inbox):
    conversations = [conversation_for(inbox) for _ in range(60)]
    for i in range(3):
        _notify(agent, conversations[i], f"k{i}")

    def count() -> int:
        api.get(URL)  # warm: the token's last use, the cached unread count
        with CaptureQueriesContext(connection) as queries:
            response = api.get(URL, {"limit": 100})
        assert response.status_code == 200
        return len(queries)

    small = count()
    for i in range(3, 60):
        _notify(agent, conversations[i], f"k{i}")
    assert count() == small
