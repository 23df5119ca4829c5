from dataclasses import dataclass

import pytest
from django.db import transaction

from carefront.core import events


@dataclass(frozen=True)
class Pinged:
    value: int


@pytest.fixture
def received():
    seen: list[int] = []

    def handler(event: Pinged) -> None:
        seen.append(event.value)

    events.subscribe(Pinged, handler)
    yield seen
    events._subscribers[Pinged].remove(handler)


@pytest.mark.django_db(transaction=True)
def test_event_is_delivered_after_commit(received):
    with transaction.atomic():
        events.publish(Pinged(1))
        assert received == []
    assert received == [1]


@pytest.mark.django_db(transaction=True)
def test_event_of_a_rolled_back_transaction_is_never_delivered(received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(Pinged(2))
        raise RuntimeError("boom")
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_does_not_stop_the_others(received, caplog):
    def broken(event: Pinged) -> None:
        raise ValueError("broken handler")

    events._subscribers[Pinged].insert(0, broken)
    try:
        events.publish(Pinged(3))
    finally:
        events._subscribers[Pinged].remove(broken)
    assert received == [3]
    assert "broken handler" in caplog.text
