"""Creating notifications: once per recipient and subject, validated, unread until read."""

import pytest

from carefront.accounts.tests.factories import AgentFactory
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.notifications.models import Notification, NotificationKind
from carefront.notifications.selectors import notification_page, unread_notification_count
from carefront.notifications.services import (
    notification_create,
    notification_mark_read,
    notifications_mark_all_read,
)

pytestmark = pytest.mark.django_db


def _make(recipient, key: str, conversation=None, **params):
    return notification_create(
        recipient=recipient,
        kind=NotificationKind.SLA_BREACHED,
        conversation_id=conversation.pk if conversation else None,
        dedupe_key=key,
        **params,
    )


def test_the_same_key_notifies_a_recipient_once(agent, lead, conversation):
    first = _make(agent, "sla-target:1:breached", conversation, target="first_reply")
    again = _make(agent, "sla-target:1:breached", conversation, target="first_reply")
    other_person = _make(lead, "sla-target:1:breached", conversation, target="first_reply")
    assert first is not None
    assert again is None
    assert other_person is not None
    assert Notification.objects.filter(recipient=agent).count() == 1
    assert first.params == {"target": "first_reply"}
    assert first.read_at is None and first.emailed_at is None


def test_a_due_time_is_stored_as_iso_text(agent, conversation):
    from carefront.notifications.texts import notification_due_at

    from .factories import later

    due = later(30)
    notification = _make(agent, "k", conversation, due_at=due)
    notification.refresh_from_db()
    assert notification.params["due_at"] == due.isoformat()
    assert notification_due_at(notification) == due


def test_bad_input_is_refused_with_a_clear_error(agent):
    with pytest.raises(InvalidInput, match="Unknown kind"):
        notification_create(recipient=agent, kind="party", dedupe_key="x")
    with pytest.raises(InvalidInput, match="key"):
        notification_create(recipient=agent, kind=NotificationKind.SLA_AT_RISK, dedupe_key="  ")
    with pytest.raises(InvalidInput, match="JSON"):
        notification_create(
            recipient=agent, kind=NotificationKind.SLA_AT_RISK, dedupe_key="x", thing=object()
        )
    assert not Notification.objects.exists()


def test_a_deactivated_agent_is_not_notified(agent):
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert _make(agent, "k") is None
    assert not Notification.objects.exists()


def test_marking_read_is_idempotent_and_the_unread_count_follows(agent, conversation):
    one = _make(agent, "a", conversation)
    _make(agent, "b", conversation)
    assert unread_notification_count(actor=agent) == 2
    notification_mark_read(actor=agent, notification_id=one.pk)
    first_read_at = Notification.objects.get(pk=one.pk).read_at
    assert first_read_at is not None
    notification_mark_read(actor=agent, notification_id=one.pk)
    assert Notification.objects.get(pk=one.pk).read_at == first_read_at
    assert unread_notification_count(actor=agent) == 1


def test_nobody_reads_or_marks_another_agents_notifications(agent, outsider):
    mine = _make(agent, "a")
    with pytest.raises(NotFound):
        notification_mark_read(actor=outsider, notification_id=mine.pk)
    assert notifications_mark_all_read(actor=outsider) == 0
    assert notification_page(actor=outsider).items == []
    assert Notification.objects.get(pk=mine.pk).read_at is None


def test_mark_all_read_leaves_what_arrived_after_the_newest_seen(agent):
    first = _make(agent, "a")
    seen = _make(agent, "b")
    arrived_later = _make(agent, "c")
    assert notifications_mark_all_read(actor=agent, up_to_id=seen.pk) == 2
    unread = notification_page(actor=agent, unread_only=True).items
    assert [n.pk for n in unread] == [arrived_later.pk]
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert notifications_mark_all_read(actor=agent) == 1
    assert unread_notification_count(actor=agent) == 0


def test_pages_are_newest_first_and_keyset_paginated(agent):
    made = [_make(agent, f"k{i}") for i in range(5)]
    first = notification_page(actor=agent, limit=2)
    assert [n.pk for n in first.items] == [made[4].pk, made[3].pk]
    second = notification_page(actor=agent, limit=2, cursor=first.next_cursor)
    assert [n.pk for n in second.items] == [made[2].pk, made[1].pk]
    third = notification_page(actor=agent, limit=2, cursor=second.next_cursor)
    assert [n.pk for n in third.items] == [made[0].pk]
    assert third.next_cursor is None
    # An "all" cursor is refused by the unread list (a 400, not a wrong page).
    with pytest.raises(InvalidInput):
        notification_page(actor=agent, unread_only=True, cursor=first.next_cursor)


def test_the_unread_count_stops_at_the_cap(agent, monkeypatch):
    from carefront.notifications import selectors

    monkeypatch.setattr(selectors, "UNREAD_COUNT_CAP", 3)
    for i in range(5):
        _make(agent, f"k{i}")
    assert unread_notification_count(actor=agent) == 3


def test_the_unread_count_is_cached_until_a_notification_changes(agent, django_assert_num_queries):
    _make(agent, "a")
    assert unread_notification_count(actor=agent) == 1
    with django_assert_num_queries(0):
        assert unread_notification_count(actor=agent) == 1
    other = AgentFactory()
    _make(other, "b")  # anyone's change moves the generation on
    with django_assert_num_queries(1):
        assert unread_notification_count(actor=agent) == 1


def test_merging_conversations_keeps_their_notifications(agent, inbox, conversation):
    from carefront.conversations.services import conversation_merge
    from carefront.conversations.tests.factories import conversation_for

    other = conversation_for(inbox, subject="Same parcel, again")
    notification = _make(agent, "k", other)
    conversation_merge(source_id=other.pk, target_id=conversation.pk)
    notification.refresh_from_db()
    assert notification.conversation_id == conversation.pk


def test_pages_made_in_the_same_instant_neither_skip_nor_repeat(agent):
    made = [_make(agent, f"k{i}") for i in range(5)]
    Notification.objects.update(created_at=made[0].created_at)
    seen, cursor = [], None
    while True:
        page = notification_page(actor=agent, limit=2, cursor=cursor)
        seen += [n.pk for n in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [n.pk for n in reversed(made)]
