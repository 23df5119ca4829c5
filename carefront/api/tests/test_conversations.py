import pytest

from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.models import Conversation, Direction, Message, OutboxEntry, Status
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/conversations"


def test_list_returns_the_agents_conversations_with_their_fields(api, conversation):
    response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item["id"] == conversation.pk
    assert item["subject"] == "Where is my parcel?"
    assert item["status"] == "open"
    assert item["customer"]["email"] == "ana@example.com"
    assert item["inbox"] == {"id": conversation.inbox_id, "name": conversation.inbox.name}
    assert item["assignee"] is None
    assert item["tags"] == []


def test_list_pages_with_the_cursor_until_it_is_null(api, inbox):
    created = {conversation_for(inbox).pk for _ in range(5)}
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get(URL, params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(created)


def test_list_filters_by_status(api, inbox, agent):
    open_one = conversation_for(inbox)
    solved = conversation_for(inbox)
    Conversation.objects.filter(pk=solved.pk).update(status=Status.SOLVED)
    ids = [item["id"] for item in api.get(URL, {"status": "solved"}).json()["items"]]
    assert ids == [solved.pk]
    ids = [item["id"] for item in api.get(URL, {"folder": "open"}).json()["items"]]
    assert ids == [open_one.pk]


def test_list_filters_by_assignee_and_tag(api, inbox, agent):
    mine = conversation_for(inbox)
    conversation_for(inbox)
    api.post(f"{URL}/{mine.pk}/assign", {"assignee_id": agent.pk}, content_type="application/json")
    api.put(f"{URL}/{mine.pk}/tags", {"tags": ["Refund"]}, content_type="application/json")
    assert [i["id"] for i in api.get(URL, {"assignee_id": agent.pk}).json()["items"]] == [mine.pk]
    assert [i["id"] for i in api.get(URL, {"tag": "refund"}).json()["items"]] == [mine.pk]
    assert [i["id"] for i in api.get(URL, {"folder": "mine"}).json()["items"]] == [mine.pk]


def test_list_sorts_newest_first(api, inbox):
    first = conversation_for(inbox)
    second = conversation_for(inbox)
    ids = [i["id"] for i in api.get(URL, {"sort": "newest"}).json()["items"]]
    assert ids == [second.pk, first.pk]


def test_detail(api, conversation):
    response = api.get(f"{URL}/{conversation.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == conversation.pk


def test_create_starts_a_conversation_on_the_api_channel(api, inbox):
    payload = {
        "inbox_id": inbox.pk,
        "customer": {"email": "Bo@Example.com", "name": "Bo"},
        "subject": "Order 1234",
        "body": "My order arrived broken.",
    }
    response = api.post(URL, payload, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["subject"] == "Order 1234"
    assert body["customer"]["email"] == "bo@example.com"
    message = Message.objects.get(conversation_id=body["id"])
    assert (message.channel, message.direction) == ("api", Direction.INCOMING)
    assert message.body_text == "My order arrived broken."


def test_create_with_the_same_external_id_is_stored_once(api, inbox):
    payload = {
        "inbox_id": inbox.pk,
        "customer": {"email": "bo@example.com"},
        "body": "Hello",
        "external_id": "shop-order-77",
    }
    first = api.post(URL, payload, content_type="application/json")
    again = api.post(URL, payload, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Message.objects.count() == 1


def test_create_refuses_a_bad_email(api, inbox):
    payload = {"inbox_id": inbox.pk, "customer": {"email": "not-an-address"}, "body": "Hi"}
    response = api.post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert Conversation.objects.count() == 0


def test_create_in_an_unknown_inbox_is_not_found(api, inbox):
    payload = {"inbox_id": inbox.pk + 1000, "customer": {"email": "bo@example.com"}, "body": "Hi"}
    response = api.post(URL, payload, content_type="application/json")
    assert response.status_code == 404


def test_messages_list_oldest_first_with_notes(api, conversation, agent):
    api.post(f"{URL}/{conversation.pk}/notes", {"body": "Check the carrier"}, "application/json")
    body = api.get(f"{URL}/{conversation.pk}/messages").json()
    assert [m["direction"] for m in body["items"]] == ["incoming", "note"]
    assert body["items"][1]["author"] == {"id": agent.pk, "name": agent.name}


def test_messages_list_pages(api, conversation):
    for n in range(3):
        api.post(f"{URL}/{conversation.pk}/notes", {"body": f"note {n}"}, "application/json")
    first = api.get(f"{URL}/{conversation.pk}/messages", {"limit": 3}).json()
    rest = api.get(
        f"{URL}/{conversation.pk}/messages", {"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert len(first["items"]) == 3
    assert [m["body_text"] for m in rest["items"]] == ["note 2"]
    assert rest["next_cursor"] is None


def test_reply_queues_an_email_and_can_solve(api, conversation):
    response = api.post(
        f"{URL}/{conversation.pk}/replies",
        {"body": "We are on it.", "status": "solved"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["direction"] == "outgoing"
    assert OutboxEntry.objects.filter(message_id=response.json()["id"]).exists()
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED


def test_api_reply_is_sent_exactly_as_given_without_the_signature(
    api, agent, conversation, sink, django_capture_on_commit_callbacks
):
    agent.signature = "Sam, Customer Care"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{URL}/{conversation.pk}/replies",
            {"body": "On its way."},
            content_type="application/json",
        )
    assert response.json()["body_text"] == "On its way."
    assert sink.messages[0].message.get_content().rstrip("\r\n") == "On its way."


def test_api_reply_can_ask_for_the_signature_and_stores_what_is_sent(
    api, agent, conversation, sink, django_capture_on_commit_callbacks
):
    agent.signature = "Sam, Customer Care"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{URL}/{conversation.pk}/replies",
            {"body": "On its way.", "append_signature": True},
            content_type="application/json",
        )
    expected = "On its way.\n\n-- \nSam, Customer Care"
    assert response.json()["body_text"] == expected
    sent = sink.messages[0].message.get_content().replace("\r\n", "\n").rstrip("\n")
    assert sent == expected


def test_empty_reply_is_refused_and_nothing_is_stored(api, conversation):
    response = api.post(
        f"{URL}/{conversation.pk}/replies", {"body": "   "}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The message is empty.", "code": "invalid"}
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_note_is_private(api, conversation):
    response = api.post(
        f"{URL}/{conversation.pk}/notes", {"body": "Internal"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["direction"] == "note"
    assert not OutboxEntry.objects.exists()


def test_assign_and_unassign(api, conversation, agent, team):
    response = api.post(
        f"{URL}/{conversation.pk}/assign",
        {"assignee_id": agent.pk, "team_id": team.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["assignee"]["id"] == agent.pk
    assert response.json()["team"] == {"id": team.pk, "name": team.name}
    response = api.post(
        f"{URL}/{conversation.pk}/assign", {"assignee_id": None}, content_type="application/json"
    )
    assert response.json()["assignee"] is None


def test_assign_to_an_agent_who_cannot_see_the_inbox_is_forbidden(api, conversation):
    stranger = AgentFactory()
    response = api.post(
        f"{URL}/{conversation.pk}/assign",
        {"assignee_id": stranger.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    conversation.refresh_from_db()
    assert conversation.assignee_id is None


def test_status_change(api, conversation):
    response = api.post(
        f"{URL}/{conversation.pk}/status", {"status": "pending"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "pending"


def test_unknown_status_is_a_validation_error(api, conversation):
    response = api.post(
        f"{URL}/{conversation.pk}/status", {"status": "done"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_tags_are_replaced_and_normalised(api, conversation):
    url = f"{URL}/{conversation.pk}/tags"
    api.put(url, {"tags": ["a"]}, content_type="application/json")
    response = api.put(url, {"tags": ["Refund ", "VIP"]}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"tags": ["refund", "vip"]}
    assert api.get(f"{URL}/{conversation.pk}").json()["tags"] == ["refund", "vip"]


def test_reply_with_an_outdated_last_message_is_a_409_listing_what_landed(api, agent, conversation):
    seen = conversation.messages.order_by("-pk").first().pk
    later = conversation_for(
        conversation.inbox, in_reply_to=[conversation.messages.first().message_id]
    )
    assert later.pk == conversation.pk

    for endpoint in ("replies", "notes"):
        response = api.post(
            f"{URL}/{conversation.pk}/{endpoint}",
            {"body": "On it.", "if_last_message_id": seen},
            content_type="application/json",
        )
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "conversation_changed"
        assert [m["direction"] for m in body["new_messages"]] == ["incoming"]
    assert not Message.objects.filter(author=agent).exists()

    newest = body["new_messages"][-1]["id"]
    response = api.post(
        f"{URL}/{conversation.pk}/replies",
        {"body": "On it.", "if_last_message_id": newest},
        content_type="application/json",
    )
    assert response.status_code == 201
