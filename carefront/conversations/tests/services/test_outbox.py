"""The outbox against a real SMTP server: retries with backoff, failure, crash recovery."""

import datetime as dt

import pytest
from django.utils import timezone

from carefront.conversations.models import (
    ConversationEvent,
    DeliveryStatus,
    EventKind,
    Message,
    OutboxEntry,
    OutboxStatus,
)
from carefront.conversations.services import conversation_reply
from carefront.conversations.services.outbox import (
    STALE_SENDING_AFTER,
    backoff,
    outbox_deliver,
    outbox_flush,
)
from carefront.conversations.tests.factories import conversation_for
from tests.support.dovecot import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_down(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 5},
        }
    }


@pytest.fixture
def three_attempts(settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "OUTBOX_MAX_ATTEMPTS": 3}


@pytest.fixture
def queued_reply(inbox, agent):
    """A reply written but not yet delivered (its delivery task has not run)."""
    conversation = conversation_for(inbox, from_address="ana@example.com")
    return conversation_reply(conversation=conversation, author=agent, body="On its way.")


def entry_of(message: Message) -> OutboxEntry:
    return OutboxEntry.objects.get(message=message)


def later(entry: OutboxEntry) -> dt.datetime:
    return entry.next_attempt_at + dt.timedelta(seconds=1)


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == dt.timedelta(hours=1)


def test_refused_delivery_is_retried_later_with_backoff(sink, queued_reply):
    sink.handler.refuse_with = "451 4.3.0 Try again later"
    before = timezone.now()

    status = outbox_deliver(entry_id=entry_of(queued_reply).pk)

    entry = entry_of(queued_reply)
    queued_reply.refresh_from_db()
    assert status == OutboxStatus.PENDING
    assert entry.attempts == 1
    assert entry.next_attempt_at >= before + dt.timedelta(seconds=30)
    assert "451" in entry.last_error
    assert queued_reply.delivery_status == DeliveryStatus.RETRYING


def test_second_failure_waits_twice_as_long(sink, queued_reply):
    sink.handler.refuse_with = "451 4.3.0 Try again later"
    outbox_deliver(entry_id=entry_of(queued_reply).pk)
    first = entry_of(queued_reply)

    outbox_flush(now=later(first))

    second = entry_of(queued_reply)
    assert second.attempts == 2
    wait = second.next_attempt_at - first.next_attempt_at
    assert wait >= dt.timedelta(seconds=60)


def test_retry_is_not_made_before_it_is_due(sink, queued_reply):
    sink.handler.refuse_with = "451 4.3.0 Try again later"
    outbox_deliver(entry_id=entry_of(queued_reply).pk)

    assert outbox_flush() == 0
    assert entry_of(queued_reply).attempts == 1


def test_delivery_fails_after_max_attempts_and_shows_on_the_timeline(
    sink, queued_reply, three_attempts
):
    sink.handler.refuse_with = "451 4.3.0 Try again later"
    outbox_deliver(entry_id=entry_of(queued_reply).pk)
    for _ in range(2):
        outbox_flush(now=later(entry_of(queued_reply)))

    entry = entry_of(queued_reply)
    queued_reply.refresh_from_db()
    assert entry.status == OutboxStatus.FAILED
    assert entry.attempts == 3
    assert queued_reply.delivery_status == DeliveryStatus.FAILED
    assert "451" in queued_reply.delivery_error
    event = ConversationEvent.objects.get(kind=EventKind.DELIVERY_FAILED)
    assert event.conversation_id == queued_reply.conversation_id
    assert event.data["message"] == queued_reply.pk


def test_failed_reply_is_never_lost(sink, queued_reply, three_attempts):
    sink.handler.refuse_with = "451 4.3.0 Try again later"
    outbox_deliver(entry_id=entry_of(queued_reply).pk)
    for _ in range(2):
        outbox_flush(now=later(entry_of(queued_reply)))

    kept = Message.objects.get(pk=queued_reply.pk)
    assert kept.body_text == "On its way."
    assert outbox_flush(now=timezone.now() + dt.timedelta(days=1)) == 0  # failed stays failed


def test_server_down_is_retried(server_down, queued_reply):
    status = outbox_deliver(entry_id=entry_of(queued_reply).pk)

    queued_reply.refresh_from_db()
    assert status == OutboxStatus.PENDING
    assert "Connection refused" in entry_of(queued_reply).last_error
    assert queued_reply.delivery_status == DeliveryStatus.RETRYING


def test_reply_is_sent_once_the_server_recovers(sink, queued_reply):
    sink.handler.refuse_with = "421 4.3.2 Shutting down"
    outbox_deliver(entry_id=entry_of(queued_reply).pk)
    sink.handler.refuse_with = None

    outbox_flush(now=later(entry_of(queued_reply)))

    queued_reply.refresh_from_db()
    assert queued_reply.delivery_status == DeliveryStatus.SENT
    assert queued_reply.delivery_error == ""
    assert len(sink.messages) == 1


def test_recipient_refused_for_good_fails_without_retrying(sink, queued_reply):
    sink.handler.refuse_rcpt_with = "550 5.1.1 No such user"

    status = outbox_deliver(entry_id=entry_of(queued_reply).pk)

    entry = entry_of(queued_reply)
    assert status == OutboxStatus.FAILED
    assert entry.attempts == 1
    assert "550" in entry.last_error
    assert ConversationEvent.objects.filter(kind=EventKind.DELIVERY_FAILED).exists()


def test_reply_without_recipient_fails_without_retrying(sink, queued_reply):
    Message.objects.filter(pk=queued_reply.pk).update(to=[])

    status = outbox_deliver(entry_id=entry_of(queued_reply).pk)

    assert status == OutboxStatus.FAILED
    assert sink.messages == []


def test_flush_resends_an_entry_stuck_in_sending(sink, queued_reply):
    # A worker claimed it, then died before recording the result.
    stuck_since = timezone.now() - STALE_SENDING_AFTER - dt.timedelta(minutes=1)
    OutboxEntry.objects.filter(message=queued_reply).update(
        status=OutboxStatus.SENDING, attempts=1, next_attempt_at=stuck_since
    )

    outbox_flush()

    entry = entry_of(queued_reply)
    assert entry.status == OutboxStatus.SENT
    [received] = sink.messages
    # Same Message-ID as the lost attempt, so receivers can drop a duplicate.
    assert received.message["Message-ID"] == f"<{queued_reply.message_id}>"


def test_flush_leaves_an_entry_that_is_still_being_sent(sink, queued_reply):
    OutboxEntry.objects.filter(message=queued_reply).update(
        status=OutboxStatus.SENDING, attempts=1, next_attempt_at=timezone.now()
    )

    assert outbox_flush() == 0
    assert sink.messages == []


def test_sent_reply_is_never_sent_twice(sink, queued_reply):
    entry_id = entry_of(queued_reply).pk
    outbox_deliver(entry_id=entry_id)

    outbox_deliver(entry_id=entry_id)
    outbox_flush(now=timezone.now() + dt.timedelta(days=1))

    assert len(sink.messages) == 1
    assert entry_of(queued_reply).attempts == 1
