"""A sender killed at each step of a send, against a real SMTP server: what recovery sends again.

A kill cannot be caught; `Killed` (a BaseException, which the outbox does not catch) stops the
send where a SIGKILL would, and the entry's worker id is then pointed at a process that is gone.
"""

import datetime as dt
import subprocess

import pytest
from django.utils import timezone

from carefront.conversations.models import DeliveryStatus, Message, OutboxEntry, OutboxStatus
from carefront.conversations.services import conversation_reply, outbox
from carefront.conversations.services.outbox import outbox_deliver, outbox_flush
from carefront.conversations.tests.factories import conversation_for
from carefront.core.models import WorkerHeartbeat
from carefront.core.workers import _hostname, workers_recover

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs in the sender."""


@pytest.fixture
def queued_reply(inbox, agent):
    conversation = conversation_for(inbox, from_address="ana@example.com")
    return conversation_reply(conversation=conversation, author=agent, body="On its way.")


def dead_worker_id() -> str:
    """The id a worker on this host had, whose process has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return f"{_hostname()}:{process.pid}:deadbeef"


def entry_of(message: Message) -> OutboxEntry:
    return OutboxEntry.objects.get(message=message)


def kill_at(monkeypatch, name: str, *, after: bool) -> None:
    """Make the sender die when it reaches outbox.<name> (before or after that step)."""
    step = getattr(outbox, name)

    def dies(*args, **kwargs):
        if after:
            step(*args, **kwargs)
        raise Killed

    monkeypatch.setattr(outbox, name, dies)


def die(message: Message, monkeypatch) -> None:
    """The sender of this message's entry is gone; the next process has the real code."""
    OutboxEntry.objects.filter(message=message).update(sending_by=dead_worker_id())
    monkeypatch.undo()


def test_a_reply_the_relay_accepted_is_not_sent_again_after_a_crash(
    sink, queued_reply, monkeypatch
):
    # Killed right after the hand-over was committed, before the message's status.
    kill_at(monkeypatch, "_mark_accepted", after=True)
    with pytest.raises(Killed):
        outbox_deliver(entry_id=entry_of(queued_reply).pk)
    assert entry_of(queued_reply).status == OutboxStatus.ACCEPTED
    die(queued_reply, monkeypatch)

    recovery = workers_recover()
    outbox_flush(now=timezone.now() + dt.timedelta(days=1))

    assert recovery.counts["outbox"] == 1
    assert len(sink.messages) == 1
    assert entry_of(queued_reply).status == OutboxStatus.SENT
    queued_reply.refresh_from_db()
    assert queued_reply.delivery_status == DeliveryStatus.SENT


def test_a_reply_never_handed_to_the_relay_is_sent_after_a_crash(sink, queued_reply, monkeypatch):
    # Killed after claiming it and opening the connection, before MAIL FROM.
    kill_at(monkeypatch, "_mark_transmit_started", after=False)
    with pytest.raises(Killed):
        outbox_deliver(entry_id=entry_of(queued_reply).pk)
    assert sink.messages == []
    die(queued_reply, monkeypatch)

    outbox_flush()

    [received] = sink.messages
    assert received.message["Message-ID"] == f"<{queued_reply.message_id}>"
    entry = entry_of(queued_reply)
    assert entry.status == OutboxStatus.SENT
    assert entry.last_error == ""


def test_a_reply_in_flight_when_the_sender_died_is_sent_again_with_the_same_message_id(
    sink, queued_reply, monkeypatch
):
    # The one window SMTP leaves open: the relay accepted (250), the sender died before its
    # commit. At least once: sent again, a duplicate with the same Message-ID.
    kill_at(monkeypatch, "_mark_accepted", after=False)
    with pytest.raises(Killed):
        outbox_deliver(entry_id=entry_of(queued_reply).pk)
    entry = entry_of(queued_reply)
    assert entry.status == OutboxStatus.SENDING
    assert entry.transmit_started_at is not None
    die(queued_reply, monkeypatch)

    outbox_flush()

    assert [r.message["Message-ID"] for r in sink.messages] == [f"<{queued_reply.message_id}>"] * 2
    assert entry_of(queued_reply).status == OutboxStatus.SENT


def test_a_relay_that_drops_the_connection_after_storing_gets_it_again(sink, queued_reply):
    # The relay kept the mail but its 250 never arrived: for us it was not handed over.
    handler = sink.handler
    original = handler.handle_DATA

    async def store_then_hang_up(server, session, envelope):
        await original(server, session, envelope)
        session.transport.close()
        return "250 OK"

    handler.handle_DATA = store_then_hang_up
    assert outbox_deliver(entry_id=entry_of(queued_reply).pk) == OutboxStatus.PENDING
    handler.handle_DATA = original

    outbox_flush(now=entry_of(queued_reply).next_attempt_at + dt.timedelta(seconds=1))

    assert len(sink.messages) == 2
    assert {r.message["Message-ID"] for r in sink.messages} == {f"<{queued_reply.message_id}>"}
    assert entry_of(queued_reply).status == OutboxStatus.SENT


def test_a_send_by_a_live_worker_elsewhere_is_left_alone(sink, queued_reply):
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="other-host:4242:abcdefgh",
        hostname="other-host",
        pid=4242,
        started_at=now,
        last_seen_at=now,
    )
    OutboxEntry.objects.filter(message=queued_reply).update(
        status=OutboxStatus.SENDING,
        attempts=1,
        next_attempt_at=now - dt.timedelta(hours=1),  # a long send: still its own
        sending_by="other-host:4242:abcdefgh",
        transmit_started_at=now,
    )

    assert workers_recover().counts["outbox"] == 0
    outbox_flush()
    assert sink.messages == []

    # Its heartbeat stops: it is dead, and its send is made again.
    WorkerHeartbeat.objects.update(last_seen_at=now - dt.timedelta(minutes=5))
    outbox_flush()
    assert len(sink.messages) == 1


def test_outbox_flush_command_sends_what_a_dead_worker_left(sink, queued_reply, capsys):
    from django.core.management import call_command

    OutboxEntry.objects.filter(message=queued_reply).update(
        status=OutboxStatus.SENDING, attempts=1, sending_by=dead_worker_id()
    )

    call_command("outbox_flush")

    assert "1 replies attempted." in capsys.readouterr().out
    assert len(sink.messages) == 1
