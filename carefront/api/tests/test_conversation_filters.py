"""Conversation list filters and sorts, and the messages' direction filter."""

import datetime as dt

import pytest
from django.utils import timezone

from carefront.conversations.models import Conversation
from carefront.conversations.services import (
    conversation_add_note,
    conversation_assign,
    conversation_set_priority,
)
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/conversations"


def ids(client, **params) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_assignee_me_none_and_id(api, inbox, agent, team):
    mine = conversation_for(inbox)
    theirs = conversation_for(inbox)
    nobodys = conversation_for(inbox)
    mate = team.members.create(email="mate@carefront.test", name="Mate")
    conversation_assign(conversation=mine, assignee=agent, actor=agent)
    conversation_assign(conversation=theirs, assignee=mate, actor=agent)
    assert ids(api, assignee_id="me") == [mine.pk]
    assert ids(api, assignee_id="none") == [nobodys.pk]
    assert ids(api, assignee_id=mate.pk) == [theirs.pk]
    assert api.get(URL, {"assignee_id": "someone"}).status_code == 422


def test_customer_filter(api, inbox):
    ana = conversation_for(inbox, from_address="ana@example.com")
    again = conversation_for(inbox, from_address="ana@example.com")
    conversation_for(inbox, from_address="bo@example.com")
    assert set(ids(api, customer_id=ana.customer_id)) == {ana.pk, again.pk}


def test_created_and_updated_since(api, inbox, agent):
    old = conversation_for(inbox)
    changed = conversation_for(inbox)
    past = timezone.now() - dt.timedelta(days=3)
    Conversation.objects.filter(pk__in=[old.pk, changed.pk]).update(
        created_at=past, updated_at=past
    )
    new = conversation_for(inbox)
    cut = timezone.now() - dt.timedelta(days=1)
    conversation_add_note(conversation=changed, author=agent, body="touch")
    assert ids(api, created_since=cut.isoformat()) == [new.pk]
    assert set(ids(api, updated_since=cut.isoformat())) == {new.pk, changed.pk}


def test_sort_updated_pages_most_recent_change_first(api, inbox, agent):
    made = [conversation_for(inbox) for _ in range(5)]
    base = timezone.now() - dt.timedelta(hours=1)
    for i, conversation in enumerate(made):
        Conversation.objects.filter(pk=conversation.pk).update(
            updated_at=base + dt.timedelta(minutes=i)
        )
    seen, cursor = [], None
    while True:
        params = {"sort": "updated", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get(URL, params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [c.pk for c in reversed(made)]


@pytest.mark.parametrize("sort", ["waiting", "newest", "oldest", "updated", "priority"])
def test_every_sort_pages_without_gaps_or_repeats(api, inbox, sort):
    made = {conversation_for(inbox).pk for _ in range(5)}
    seen, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get(URL, params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)


def test_priority_filter(api, inbox, agent):
    urgent = conversation_for(inbox)
    conversation_for(inbox)
    conversation_set_priority(conversation=urgent, priority="urgent", actor=agent)
    assert ids(api, priority="urgent") == [urgent.pk]
    assert ids(api, priority="low") == []
    assert len(ids(api, priority="normal")) == 1


def test_sort_priority_pages_highest_first_then_longest_waiting(api, inbox, agent):
    base = timezone.now() - dt.timedelta(hours=5)
    made = [conversation_for(inbox) for _ in range(7)]
    for i, conversation in enumerate(made):
        # Waiting since base + i minutes: the earlier made waits longer.
        Conversation.objects.filter(pk=conversation.pk).update(
            waiting_since=base + dt.timedelta(minutes=i)
        )
    levels = ["low", "urgent", "normal", "high", "urgent", "low", "normal"]
    for conversation, level in zip(made, levels, strict=True):
        conversation_set_priority(conversation=conversation, priority=level, actor=agent)
    # Two waiting since the same moment: the id breaks the tie.
    Conversation.objects.filter(pk=made[4].pk).update(waiting_since=base + dt.timedelta(minutes=1))
    seen, cursor = [], None
    while True:
        params = {"sort": "priority", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get(URL, params).json()
        seen += [(item["id"], item["priority"]) for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    expected = [1, 4, 3, 2, 6, 0, 5]
    assert seen == [(made[i].pk, levels[i]) for i in expected]


def test_sort_priority_within_a_priority_filter_pages_by_waiting(api, inbox, agent):
    made = [conversation_for(inbox) for _ in range(5)]
    for conversation in made[:4]:
        conversation_set_priority(conversation=conversation, priority="high", actor=agent)
    seen, cursor = [], None
    while True:
        params = {"sort": "priority", "priority": "high", "limit": 2}
        body = api.get(URL, {**params, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [c.pk for c in made[:4]]


def test_set_priority_answers_with_the_conversation(api, conversation):
    url = f"{URL}/{conversation.pk}/priority"
    response = api.post(url, {"priority": "high"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["priority"] == "high"
    assert api.get(f"{URL}/{conversation.pk}").json()["priority"] == "high"
    conversation.refresh_from_db()
    assert conversation.priority == 30


@pytest.mark.parametrize("priority", ["critical", "HIGH", 30, None])
def test_set_an_unknown_priority_is_422_and_changes_nothing(api, conversation, priority):
    url = f"{URL}/{conversation.pk}/priority"
    response = api.post(url, {"priority": priority}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    conversation.refresh_from_db()
    assert conversation.priority == 20


def test_a_cursor_from_the_priority_sort_is_400_elsewhere_and_back(api, inbox):
    for _ in range(3):
        conversation_for(inbox)
    cursor = api.get(URL, {"limit": 1, "sort": "priority"}).json()["next_cursor"]
    other = api.get(URL, {"limit": 1, "sort": "waiting"}).json()["next_cursor"]
    for sort, given in (("waiting", cursor), ("priority", other)):
        response = api.get(URL, {"limit": 1, "sort": sort, "cursor": given})
        assert response.status_code == 400
        assert response.json()["detail"] == "The page cursor belongs to another sort order."


def test_a_cursor_from_another_sort_is_400(api, inbox):
    for _ in range(3):
        conversation_for(inbox)
    cursor = api.get(URL, {"limit": 1, "sort": "newest"}).json()["next_cursor"]
    response = api.get(URL, {"limit": 1, "sort": "oldest", "cursor": cursor})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The page cursor belongs to another sort order.",
        "code": "invalid",
    }


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "loudest"},
        {"priority": "critical"},
        {"priority": "40"},
        {"status": "done"},
        {"folder": "spam"},
        {"inbox_id": "abc"},
        {"team_id": 0},
        {"customer_id": -1},
        {"created_since": "yesterday"},
        {"updated_since": "2026-01-01T00:00:00"},
        {"limit": 101},
    ],
)
def test_invalid_filters_are_422(api, params):
    response = api.get(URL, params)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_messages_filter_by_direction(api, conversation, agent):
    conversation_add_note(conversation=conversation, author=agent, body="psst")
    url = f"{URL}/{conversation.pk}/messages"
    notes = api.get(url, {"direction": "note"}).json()["items"]
    assert [m["body_text"] for m in notes] == ["psst"]
    incoming = api.get(url, {"direction": "incoming"}).json()["items"]
    assert [m["direction"] for m in incoming] == ["incoming"]
    assert api.get(url, {"direction": "sideways"}).status_code == 422


def test_due_sort_and_sla_filters(api, inbox):
    from carefront.conversations.services import conversation_set_sla_due

    now = timezone.now()
    later, soon, late, none = (conversation_for(inbox) for _ in range(4))
    for conversation, due, risk in (
        (later, 180, 120),
        (soon, 5, -5),
        (late, -1, -20),
    ):
        conversation_set_sla_due(
            conversation_id=conversation.pk,
            due_at=now + dt.timedelta(minutes=due),
            at_risk_at=now + dt.timedelta(minutes=risk),
        )
    assert ids(api, sort="due") == [late.pk, soon.pk, later.pk, none.pk]
    assert ids(api, sort="due", sla="breached") == [late.pk]
    assert ids(api, sla="at_risk") == [soon.pk]
    assert api.get(URL, {"sla": "late"}).status_code == 422
    # Paged with a cursor of its own sort.
    first = api.get(URL, {"sort": "due", "limit": 2}).json()
    assert [i["id"] for i in first["items"]] == [late.pk, soon.pk]
    rest = api.get(URL, {"sort": "due", "limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in rest["items"]] == [later.pk, none.pk]
    assert api.get(URL, {"sort": "waiting", "cursor": first["next_cursor"]}).status_code == 400
    # Each conversation says its due times.
    item = next(i for i in first["items"] if i["id"] == soon.pk)
    assert item["sla_due_at"] is not None and item["sla_at_risk_at"] is not None
    assert next(i for i in rest["items"] if i["id"] == none.pk)["sla_due_at"] is None
