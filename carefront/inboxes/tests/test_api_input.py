"""Messages sent through the API at the same time share one write transaction (group commit),
and each caller still gets its own, whole outcome."""

import threading

import pytest
from django.db import connection

from carefront.conversations.inbound import InboundMessage
from carefront.conversations.models import Conversation, Message
from carefront.conversations.services import Outcome
from carefront.inboxes import api_input
from carefront.inboxes.models import RawInbound, RawStatus
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _request(inbox, n: int, *, subject: str = "Broken lamp"):
    raw = api_input.api_input_capture(
        method="POST",
        path="/api/v1/conversations",
        meta={"CONTENT_TYPE": "application/json"},
        body=f'{{"n": {n}}}'.encode(),
        caller_ref="token:1",
    )
    inbound = InboundMessage(
        channel="api",
        from_address=f"customer{n}@example.com",
        from_name=f"Customer {n}",
        subject=f"{subject} {n}",
        message_id=f"api.test.{n}@carefront.test",
        body_text="The lamp is cracked.",
    )
    return {"raw": raw, "inbox": inbox, "inbound": inbound}


def _receive_concurrently(monkeypatch, requests: list[dict], *, fail_subject: str = ""):
    """Each request from its own thread; the first write is held until the others queue."""
    batches: list[int] = []
    gate, first_started = threading.Event(), threading.Event()
    real_receive = api_input.messages_receive

    def receive(*, items, reads=None):
        if not first_started.is_set():
            first_started.set()
            assert gate.wait(10)
        batches.append(len(items))
        if any(fail_subject and item.inbound.subject.startswith(fail_subject) for item in items):
            raise RuntimeError("disk on fire")
        return real_receive(items=items, reads=reads)

    monkeypatch.setattr(api_input, "messages_receive", receive)
    outcomes: dict[int, object] = {}

    def send(index: int) -> None:
        try:
            outcomes[index] = api_input.api_message_receive(**requests[index])
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    threads[0].start()
    assert first_started.wait(10)
    for thread in threads[1:]:
        thread.start()
    waited = threading.Event()
    while len(api_input._combiner._queue) < len(requests) - 1 and not waited.wait(0.005):
        pass
    gate.set()
    for thread in threads:
        thread.join(30)
    return outcomes, batches


def test_concurrent_messages_are_stored_in_one_transaction_each_whole(monkeypatch):
    inbox = InboxFactory()
    requests = [_request(inbox, n) for n in range(5)]
    outcomes, batches = _receive_concurrently(monkeypatch, requests)

    assert batches == [1, 4]  # the first alone, the four that queued behind it together
    for n in range(5):
        result = outcomes[n]
        assert result.outcome == Outcome.CREATED, result
        message = Message.objects.get(message_id=f"api.test.{n}@carefront.test")
        assert message.conversation_id == result.conversation.pk
        assert message.customer.email == f"customer{n}@example.com"
        assert message.raw_id == result.raw.pk
        raw = RawInbound.objects.get(pk=result.raw.pk)
        assert raw.status == RawStatus.PROCESSED
        assert bytes(raw.data).endswith(f'{{"n": {n}}}'.encode())
    assert Conversation.objects.count() == 5


def test_one_failing_message_fails_only_its_own_request(monkeypatch):
    inbox = InboxFactory()
    requests = [_request(inbox, n) for n in range(4)]
    requests[2] = _request(inbox, 2, subject="Poison")
    outcomes, batches = _receive_concurrently(monkeypatch, requests, fail_subject="Poison")

    assert isinstance(outcomes[2], RuntimeError)
    # The batch holding it failed as a whole, then its messages went one by one.
    assert batches == [1, 3, 1, 1, 1]
    assert {n for n in (0, 1, 3) if outcomes[n].outcome == Outcome.CREATED} == {0, 1, 3}
    assert Message.objects.filter(direction="incoming").count() == 3
    assert not Message.objects.filter(message_id="api.test.2@carefront.test").exists()
    # Its raw request is unsaved again, for the endpoint to keep with the error.
    assert requests[2]["raw"].pk is None
    assert RawInbound.objects.count() == 3


def test_a_message_already_stored_is_a_duplicate_within_a_batch(monkeypatch):
    inbox = InboxFactory()
    first = api_input.api_message_receive(**_request(inbox, 1))
    assert first.outcome == Outcome.CREATED
    requests = [_request(inbox, 0), _request(inbox, 1), _request(inbox, 2)]
    outcomes, batches = _receive_concurrently(monkeypatch, requests)

    assert batches == [1, 2]
    assert outcomes[1].outcome == Outcome.DUPLICATE
    assert RawInbound.objects.get(pk=outcomes[1].raw.pk).status == RawStatus.DUPLICATE
    assert outcomes[0].outcome == outcomes[2].outcome == Outcome.CREATED
    assert Message.objects.filter(direction="incoming").count() == 3
