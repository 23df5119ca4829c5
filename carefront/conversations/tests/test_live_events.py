"""Live events: numbered per conversation, stored with the change, replayable, pruned."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carefront.conversations.live import (
    live_event_append,
    live_events_prune,
    live_events_since,
)
from carefront.conversations.models import Conversation, LiveEvent, Status
from carefront.conversations.services import (
    ReceiveItem,
    conversation_add_note,
    conversation_reply,
    conversation_set_status,
    messages_receive,
)
from carefront.conversations.tests.factories import conversation_for, inbound_email, receive

pytestmark = pytest.mark.django_db


def kinds(conversation: Conversation) -> list[tuple[int, str]]:
    return list(
        LiveEvent.objects.filter(conversation=conversation)
        .order_by("seq")
        .values_list("seq", "kind")
    )


def test_a_new_conversation_gets_created_then_message_numbered_from_one(inbox):
    conversation = conversation_for(inbox)

    assert kinds(conversation) == [(1, "created"), (2, "message")]
    conversation.refresh_from_db()
    assert conversation.live_seq == 2
    message = LiveEvent.objects.get(conversation=conversation, seq=2)
    assert message.public is True
    assert message.data["text"].startswith("Hello, this is question")
    assert message.data["author_id"] is None


def test_a_batch_numbers_each_conversation_in_arrival_order(inbox):
    first = conversation_for(inbox, message_id="root@e")
    items = [
        ReceiveItem(
            inbox=inbox,
            inbound=inbound_email(message_id=f"r{i}@e", in_reply_to=["root@e"]),
        )
        for i in range(3)
    ]
    items.append(ReceiveItem(inbox=inbox, inbound=inbound_email(message_id="other@e")))

    results = messages_receive(items=items)

    assert kinds(first) == [
        (1, "created"),
        (2, "message"),
        (3, "message"),
        (4, "message"),
        (5, "message"),
    ]
    replayed = [
        e.data["message_id"] for e in live_events_since(conversation_id=first.pk, after_seq=2)
    ]
    assert replayed == [r.message.pk for r in results[:3]]
    assert kinds(results[3].conversation) == [(1, "created"), (2, "message")]
    first.refresh_from_db()
    assert first.live_seq == 5


def test_a_customer_reply_to_a_solved_conversation_records_the_reopening(inbox, agent):
    conversation = conversation_for(inbox, message_id="root@e")
    conversation_set_status(conversation=conversation, status=Status.SOLVED, actor=agent)
    receive(inbox, message_id="again@e", in_reply_to=["root@e"])

    assert [kind for _, kind in kinds(conversation)] == [
        "created",
        "message",
        "status",
        "message",
        "status",
    ]
    last = LiveEvent.objects.filter(conversation=conversation).order_by("-seq").first()
    assert last.data == {"old": Status.SOLVED, "new": Status.OPEN}


def test_replies_and_notes_become_events_notes_never_public(inbox, agent):
    conversation = conversation_for(inbox)
    reply = conversation_reply(conversation=conversation, author=agent, body="On its way.")
    note = conversation_add_note(conversation=conversation, author=agent, body="Checked.")

    events = live_events_since(conversation_id=conversation.pk, after_seq=2)
    assert [(e.kind, e.public, e.data["message_id"]) for e in events] == [
        ("message", True, reply.pk),
        ("note", False, note.pk),
    ]
    assert events[0].data["author_id"] == agent.pk
    assert live_events_since(conversation_id=conversation.pk, after_seq=2, public_only=True) == [
        events[0]
    ]


def test_appending_an_event_costs_two_queries(inbox):
    conversation = conversation_for(inbox)
    with CaptureQueriesContext(connection) as queries:
        live_event_append(conversation_id=conversation.pk, kind="read", public=True)
    # UPDATE ... RETURNING and the INSERT (savepoints aside).
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 2


def test_pruning_deletes_only_events_older_than_the_retention(inbox, settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "LIVE_EVENT_RETENTION_DAYS": 7}
    conversation = conversation_for(inbox)
    LiveEvent.objects.filter(conversation=conversation, seq=1).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )

    assert live_events_prune() == 1
    assert kinds(conversation) == [(2, "message")]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_share_a_number(inbox):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite queues its writers)")
    conversation = conversation_for(inbox)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                live_event_append(conversation_id=conversation.pk, kind="read")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = list(
        LiveEvent.objects.filter(conversation=conversation)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert seqs == list(range(1, 83))
    conversation.refresh_from_db()
    assert conversation.live_seq == 82
