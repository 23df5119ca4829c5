"""Receiving a batch must give exactly what receiving the same messages one by one gives."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carefront.conversations.models import (
    Conversation,
    ConversationEvent,
    EventKind,
    Message,
    Status,
    ThreadKey,
)
from carefront.conversations.services import (
    Outcome,
    ReceiveItem,
    conversation_set_status,
    message_receive,
    messages_receive,
)
from carefront.conversations.tests.factories import inbound_email

pytestmark = pytest.mark.django_db

START = timezone.now() - dt.timedelta(days=30)


def _workload(seed: int, n: int = 60) -> list[dict]:
    """Threads of 1-4 messages from a few customers, shuffled so replies often come first."""
    rng = random.Random(seed)
    messages = []
    for thread in range(n // 3):
        sender = f"c{rng.randrange(8)}@example.com"
        ids: list[str] = []
        for depth in range(rng.randrange(1, 5)):
            mid = f"t{thread}.{depth}@example.com"
            messages.append(
                {
                    "message_id": mid,
                    "from_address": sender,
                    "subject": f"Thread {thread}" if depth == 0 else f"Re: Thread {thread}",
                    "body_text": f"Message {depth} of thread {thread}.",
                    "in_reply_to": ids[-1:],
                    "references": list(ids),
                    "sent_at": START + dt.timedelta(hours=thread, minutes=depth),
                }
            )
            ids.append(mid)
    rng.shuffle(messages)
    # Duplicates, as when a message is CC'd to two inboxes.
    messages += [dict(m) for m in rng.sample(messages, 5)]
    return messages


def _threads() -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for conversation_id, message_id in Message.objects.values_list("conversation_id", "message_id"):
        groups.setdefault(conversation_id, set()).add(message_id)
    return {frozenset(g) for g in groups.values()}


def _summaries() -> set[tuple]:
    return {
        (c.subject, c.message_count, c.last_message_at, c.waiting_since, c.preview, c.status)
        for c in Conversation.objects.all()
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_batch_threads_and_summarises_like_one_by_one(inbox, seed):
    workload = _workload(seed)
    for fields in workload:
        message_receive(inbox=inbox, inbound=inbound_email(**fields))
    one_by_one = (_threads(), _summaries(), Message.objects.count())

    Message.objects.all().delete()
    ThreadKey.objects.all().delete()
    Conversation.objects.all().delete()

    results = messages_receive(
        items=[ReceiveItem(inbox=inbox, inbound=inbound_email(**fields)) for fields in workload]
    )
    assert (_threads(), _summaries(), Message.objects.count()) == one_by_one
    assert [r.outcome for r in results[-5:]] == [Outcome.DUPLICATE] * 5


def test_results_come_back_in_the_order_of_the_items(inbox):
    items = [
        ReceiveItem(inbox=inbox, inbound=inbound_email(message_id="b@e", in_reply_to=["a@e"])),
        ReceiveItem(inbox=inbox, inbound=inbound_email(message_id="a@e")),
        ReceiveItem(inbox=inbox, inbound=inbound_email(message_id="a@e")),
        ReceiveItem(inbox=inbox, inbound=inbound_email(is_auto_submitted=True)),
    ]
    results = messages_receive(items=items)
    assert [r.outcome for r in results] == [
        Outcome.CREATED,
        Outcome.THREADED,
        Outcome.DUPLICATE,
        Outcome.REJECTED,
    ]
    assert results[0].conversation.pk == results[1].conversation.pk


def test_a_batch_reopens_a_solved_conversation_once(inbox, agent):
    first = message_receive(inbox=inbox, inbound=inbound_email(message_id="p@e"))
    conversation_set_status(conversation=first.conversation, status=Status.SOLVED, actor=agent)
    messages_receive(
        items=[
            ReceiveItem(
                inbox=inbox, inbound=inbound_email(message_id=f"r{i}@e", in_reply_to=["p@e"])
            )
            for i in range(3)
        ]
    )
    first.conversation.refresh_from_db()
    assert first.conversation.status == Status.OPEN
    reopen_events = ConversationEvent.objects.filter(
        conversation=first.conversation,
        kind=EventKind.STATUS_CHANGED,
        data__reason="customer replied",
    )
    assert reopen_events.count() == 1


def test_a_batch_costs_a_fixed_number_of_queries(inbox, settings, monkeypatch):
    from carefront.webhooks import services as webhooks

    # Webhooks hear of every event inside the transaction; as in production, their list of
    # subscriptions is cached (the test settings turn that cache off).
    settings.CAREFRONT_WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS = 60
    monkeypatch.setattr(webhooks, "_active_cache", None)  # and back to None afterwards
    webhooks._active_subscriptions()
    # So are the SLA policies (none here: the SLA engine then costs nothing per message).
    from carefront.sla.services import policy_rules

    policy_rules()
    # And triage's intent model (checked for a newer one every minute) and the active rules.
    from carefront.automation.rules.engine import active_rules
    from carefront.automation.triage.services import active_intent_model

    active_intent_model()
    active_rules("customer_message")

    def batch(prefix: str, n: int) -> list[ReceiveItem]:
        return [
            ReceiveItem(inbox=inbox, inbound=inbound_email(message_id=f"{prefix}{i}@e"))
            for i in range(n)
        ]

    with CaptureQueriesContext(connection) as small:
        messages_receive(items=batch("s", 5))
    with CaptureQueriesContext(connection) as large:
        messages_receive(items=batch("l", 50))
    assert len(small) == len(large)
