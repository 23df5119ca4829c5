"""Realtime changes of conversations: numbered per conversation, stored, resumable.

Every change a page shows live (a message, a note, a status or assignee change) becomes a
`LiveEvent` in the same transaction as the change, numbered by `Conversation.live_seq`, and is
sent after commit to the conversation's group and its inbox's group. A page that reconnects asks
for `live_events_since(after_seq=last seen)` and so misses nothing; group messages carry the same
`seq`, so a client drops what it already has. Ephemeral signals (who is viewing or typing) are
sent with `carefront.core.realtime.group_send` directly and are neither numbered nor stored.

Group message shape (a Channels event, handled by consumers as `live_event`):
    {"type": "live.event", "conversation_id": int, "inbox_id": int, "seq": int, "kind": str,
     "public": bool, "data": {...}}
Kinds: "created", "message" (public unless a note), "note", "status", "assigned"; adapters may
append their own (the chat adds "read", "agent_joined", ...).
"""

from django.db import connection, transaction
from django.utils import timezone

from carefront.core.db import bulk_insert_values
from carefront.core.realtime import group_send_many

from .models import Conversation, LiveEvent

# What a reconnecting page may replay at most; beyond it, the page reloads.
REPLAY_LIMIT = 500


def conversation_group(conversation_id: int) -> str:
    return f"conv.{conversation_id}"


def inbox_group(inbox_id: int) -> str:
    return f"inbox.{inbox_id}"


def as_group_message(event: LiveEvent, *, inbox_id: int) -> dict:
    return {
        "type": "live.event",
        "conversation_id": event.conversation_id,
        "inbox_id": inbox_id,
        "seq": event.seq,
        "kind": event.kind,
        "public": event.public,
        "data": event.data,
    }


def _next_seq(conversation_id: int) -> tuple[int, int]:
    """Take the conversation's next number: one UPDATE ... RETURNING (SQLite >= 3.35 and
    PostgreSQL both have it). The UPDATE takes the row lock, so numbers are handed out in
    commit order and two writers never get the same one."""
    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET live_seq = live_seq + 1 WHERE id = %s "  # noqa: S608
            "RETURNING live_seq, inbox_id",
            [conversation_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Conversation.DoesNotExist(conversation_id)
    return row[0], row[1]


def live_event_append(
    *,
    conversation_id: int,
    kind: str,
    data: dict | None = None,
    public: bool = False,
    savepoint: bool = True,
) -> LiveEvent:
    """Number and store an event in the caller's transaction; send it after commit.
    `savepoint=False` for services that call it directly (their transaction is the guard)."""
    with transaction.atomic(savepoint=savepoint):
        seq, inbox_id = _next_seq(conversation_id)
        event = LiveEvent.objects.create(
            conversation_id=conversation_id,
            seq=seq,
            kind=kind,
            public=public,
            data=data or {},
            created_at=timezone.now(),
        )
    _send_after_commit([as_group_message(event, inbox_id=inbox_id)])
    return event


def _send_after_commit(messages: list[dict]) -> None:
    if not messages:
        return

    sends = []
    for message in messages:
        sends.append((conversation_group(message["conversation_id"]), message))
        sends.append((inbox_group(message["inbox_id"]), message))
    transaction.on_commit(lambda: group_send_many(sends), robust=True)


def live_event_plan(
    conversation: Conversation, *, kind: str, public: bool = False, data: dict | None = None
) -> LiveEvent:
    """An event for a conversation row the caller holds locked (or is creating) and will save
    with its `live_seq`: numbered in memory, stored later with `live_events_store`. For bulk
    writers (messages_receive), where one UPDATE per event would cost a query per message."""
    conversation.live_seq += 1
    return LiveEvent(
        conversation=conversation,
        seq=conversation.live_seq,
        kind=kind,
        public=public,
        data=data if data is not None else {},
    )


def live_events_store(events: list[LiveEvent]) -> None:
    """Insert planned events in one query and send them after commit. The caller saves each
    conversation's `live_seq` in the same transaction."""
    if not events:
        return
    now = timezone.now()
    rows = []
    messages = []
    for event in events:
        event.created_at = now
        rows.append(
            {
                "conversation_id": event.conversation.pk,
                "seq": event.seq,
                "kind": event.kind,
                "public": event.public,
                "data": event.data,
            }
        )
        messages.append(
            {
                "type": "live.event",
                "conversation_id": event.conversation.pk,
                "inbox_id": event.conversation.inbox_id,
                "seq": event.seq,
                "kind": event.kind,
                "public": event.public,
                "data": event.data,
            }
        )
    bulk_insert_values(LiveEvent, rows, same={"created_at": now})
    _send_after_commit(messages)


def message_live_data(message, *, author: str) -> dict:
    """What a live page shows of a message (built from the row in hand: no query)."""
    return {
        "message_id": message.pk,
        "author_id": message.author_id,
        "direction": message.direction,
        "channel": message.channel,
        "author": author,
        "text": (message.reply_text or message.body_text)[:LIVE_TEXT_LIMIT],
        "created_at": message.created_at.isoformat(),
    }


def live_events_since(
    *, conversation_id: int, after_seq: int, public_only: bool = False
) -> list[LiveEvent]:
    """The events after `after_seq`, oldest first, at most REPLAY_LIMIT + 1 (more: reload)."""
    events = LiveEvent.objects.filter(conversation_id=conversation_id, seq__gt=after_seq)
    if public_only:
        events = events.filter(public=True)
    return list(events.order_by("seq")[: REPLAY_LIMIT + 1])


# The text a live page shows of a message; the full message is one request away.
LIVE_TEXT_LIMIT = 4000


def _message_data(message_id: int) -> dict:
    from .models import Message

    message = (
        Message.objects.select_related("author", "customer")
        .only(
            "direction",
            "channel",
            "reply_text",
            "body_text",
            "created_at",
            "from_name",
            "author__name",
            "customer__name",
        )
        .get(pk=message_id)
    )
    if message.author_id:
        author = message.author.name
    else:
        author = message.from_name or (message.customer.name if message.customer_id else "")
    return message_live_data(message, author=author)


def on_conversation_created(event) -> None:
    if event.live_recorded:
        return
    live_event_append(conversation_id=event.conversation_id, kind="created")


def on_message_received(event) -> None:
    if event.live_recorded:
        return
    live_event_append(
        conversation_id=event.conversation_id,
        kind="message",
        public=True,
        data=_message_data(event.message_id),
    )


def on_message_sent(event) -> None:
    if event.live_recorded:
        return
    live_event_append(
        conversation_id=event.conversation_id,
        kind="message",
        public=True,
        data=_message_data(event.message_id),
    )


def on_note_added(event) -> None:
    if event.live_recorded:
        return
    live_event_append(
        conversation_id=event.conversation_id, kind="note", data=_message_data(event.message_id)
    )


def on_status_changed(event) -> None:
    live_event_append(
        conversation_id=event.conversation_id,
        kind="status",
        data={"old": event.old_status, "new": event.new_status},
    )


def on_assigned(event) -> None:
    live_event_append(
        conversation_id=event.conversation_id,
        kind="assigned",
        data={"assignee_id": event.assignee_id, "team_id": event.team_id},
    )


def connect() -> None:
    """In the publisher's transaction: the event commits with the change or not at all."""
    from carefront.core.events import subscribe

    from . import events

    for event_type, handler in (
        (events.ConversationCreated, on_conversation_created),
        (events.MessageReceived, on_message_received),
        (events.MessageSent, on_message_sent),
        (events.NoteAdded, on_note_added),
        (events.ConversationStatusChanged, on_status_changed),
        (events.ConversationAssigned, on_assigned),
    ):
        subscribe(event_type, handler, in_transaction=True)


# How long events are kept for pages that reconnect; older resumes get "reload".
LIVE_EVENT_RETENTION_DAYS = 7
PRUNE_BATCH = 5000


def live_events_prune(*, now=None) -> int:
    """Delete events older than the retention (CAREFRONT["LIVE_EVENT_RETENTION_DAYS"], 7 days),
    in batches so no statement runs long; returns how many. Run by `serve` every minute (FLUSHES)
    or `manage.py live_events_prune` from a scheduler."""
    import datetime as dt

    from django.conf import settings

    days = settings.CAREFRONT.get("LIVE_EVENT_RETENTION_DAYS", LIVE_EVENT_RETENTION_DAYS)
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            LiveEvent.objects.filter(created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", flat=True)[:PRUNE_BATCH]
        )
        if not ids:
            return deleted
        deleted += LiveEvent.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < PRUNE_BATCH:
            return deleted
