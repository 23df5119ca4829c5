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


@dataclass(frozen=True)
class Noted:
    value: int


@pytest.fixture
def written():
    """An in-transaction subscriber that writes a row (a cache table row stands for any)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    def handler(event: Noted) -> None:
        with transaction.atomic():
            if event.value < 0:
                Session.objects.create(session_key="x" * 41, session_data="", expire_date=None)
            Session.objects.create(
                session_key=f"noted-{event.value}", session_data="", expire_date=timezone.now()
            )

    events.subscribe(Noted, handler, in_transaction=True)
    yield Session.objects.filter(session_key__startswith="noted-")
    events._in_transaction[Noted].remove(handler)


@pytest.mark.django_db(transaction=True)
def test_an_in_transaction_subscriber_writes_before_the_commit_and_with_it(written):
    with transaction.atomic():
        events.publish(Noted(1))
        # Already written, inside the publisher's transaction: a crash after the commit
        # cannot lose it.
        assert list(written.values_list("session_key", flat=True)) == ["noted-1"]
    assert written.count() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(Noted(2))
        raise RuntimeError("boom")
    assert list(written.values_list("session_key", flat=True)) == ["noted-1"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_in_transaction_subscriber_leaves_the_publishers_work_whole(written, caplog):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    with transaction.atomic():
        Session.objects.create(session_key="publisher", session_data="", expire_date=timezone.now())
        events.publish(Noted(-1))  # its first write fails: its savepoint is rolled back
        Session.objects.create(session_key="after", session_data="", expire_date=timezone.now())
    assert set(Session.objects.values_list("session_key", flat=True)) == {"publisher", "after"}
    assert "Event handler" in caplog.text
