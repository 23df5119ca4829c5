"""conversation_snooze / conversation_wake: the status and time, the timeline, the events, what
is refused, the timer's re-check, and a customer's message ending a snooze."""

import datetime as dt

import pytest
from django.utils import timezone

from carefront.conversations import events
from carefront.conversations.models import ConversationEvent, EventKind, Status
from carefront.conversations.selectors import ConversationFilters, Folder, conversation_list
from carefront.conversations.services import (
    ReceiveItem,
    conversation_reply,
    conversation_set_status,
    conversation_snooze,
    conversation_wake,
    conversations_bulk_update,
    messages_receive,
)
from carefront.conversations.services.snooze import conversation_wake_due
from carefront.conversations.tests.factories import conversation_for, inbound_email, receive
from carefront.core.events import _subscribers
from carefront.core.exceptions import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    seen: list[object] = []
    kinds = (events.ConversationStatusChanged, events.ConversationSnoozed, events.ConversationWoken)
    for kind in kinds:
        _subscribers[kind].append(seen.append)
    yield seen
    for kind in kinds:
        _subscribers[kind].remove(seen.append)


def future(hours: float = 5) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def test_snoozing_sets_the_status_and_time_and_records_a_timeline_row(
    inbox, agent, published, django_capture_on_commit_callbacks
):
    conversation = conversation_for(inbox)
    until = future()
    with django_capture_on_commit_callbacks(execute=True):
        result = conversation_snooze(conversation=conversation, until=until, actor=agent)
    conversation.refresh_from_db()
    assert conversation.status == result.status == Status.SNOOZED
    assert conversation.snoozed_until == until.replace(microsecond=0)
    row = ConversationEvent.objects.get(conversation=conversation, kind=EventKind.STATUS_CHANGED)
    assert row.actor == agent
    assert row.data == {
        "old": "open",
        "new": "snoozed",
        "until": until.replace(microsecond=0).isoformat(),
    }
    assert [type(e) for e in published] == [
        events.ConversationStatusChanged,
        events.ConversationSnoozed,
    ]
    assert published[0].new_status == "snoozed"
    assert published[1].until == conversation.snoozed_until


def test_snoozing_again_moves_the_time_without_a_second_status_change(
    inbox, agent, published, django_capture_on_commit_callbacks
):
    conversation = conversation_for(inbox)
    conversation_snooze(conversation=conversation, until=future(2), actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_snooze(conversation=conversation, until=future(30), actor=agent)
    conversation.refresh_from_db()
    assert conversation.snoozed_until > future(29)
    assert [type(e) for e in published] == [events.ConversationSnoozed]


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (lambda: timezone.now() - dt.timedelta(minutes=1), "must be in the future"),
        (lambda: timezone.now() + dt.timedelta(days=400), "at most a year"),
        (lambda: dt.datetime(2030, 1, 1, 9, 0), "time zone"),
    ],
)
def test_a_bad_snooze_time_is_refused_and_changes_nothing(inbox, agent, until, message):
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput, match=message):
        conversation_snooze(conversation=conversation, until=until(), actor=agent)
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.snoozed_until is None


def test_setting_the_status_to_snoozed_without_a_time_is_refused(inbox, agent):
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput, match="snoozed until a time"):
        conversation_set_status(conversation=conversation, status="snoozed", actor=agent)
    with pytest.raises(InvalidInput, match="snoozed until a time"):
        conversations_bulk_update(conversation_ids=[conversation.pk], actor=agent, status="snoozed")
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_another_status_ends_the_snooze(inbox, agent):
    conversation = conversation_for(inbox)
    conversation_snooze(conversation=conversation, until=future(), actor=agent)
    conversation_set_status(conversation=conversation, status="solved", actor=agent)
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED
    assert conversation.snoozed_until is None


def test_an_agent_wakes_a_snoozed_conversation(
    inbox, agent, published, django_capture_on_commit_callbacks
):
    conversation = conversation_for(inbox)
    conversation_snooze(conversation=conversation, until=future(), actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_wake(conversation=conversation, actor=agent)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == (Status.OPEN, None)
    assert [type(e) for e in published] == [
        events.ConversationStatusChanged,
        events.ConversationWoken,
    ]
    assert published[1].reason == "agent"
    last = ConversationEvent.objects.filter(kind=EventKind.STATUS_CHANGED).latest("id")
    assert last.data["reason"] == "woken"


def test_the_timer_wakes_it_when_due(inbox, agent):
    conversation = conversation_for(inbox)
    until = future(1).replace(microsecond=0)
    conversation_snooze(conversation=conversation, until=until, actor=agent)
    # Not yet: the task runs at `until`, never before, but the service checks anyway.
    assert (
        conversation_wake(
            conversation=conversation,
            actor=None,
            scheduled_for=until,
            now=until - dt.timedelta(seconds=1),
        ).status
        == Status.SNOOZED
    )
    woken = conversation_wake(conversation=conversation, actor=None, scheduled_for=until, now=until)
    assert woken.status == Status.OPEN
    last = ConversationEvent.objects.filter(kind=EventKind.STATUS_CHANGED).latest("id")
    assert last.data["reason"] == "snooze ended"
    assert last.actor is None


def test_the_timer_of_an_earlier_snooze_leaves_a_newer_one_alone(inbox, agent):
    conversation = conversation_for(inbox)
    first = future(1).replace(microsecond=0)
    conversation_snooze(conversation=conversation, until=first, actor=agent)
    conversation_snooze(conversation=conversation, until=future(48), actor=agent)
    conversation.refresh_from_db()
    assert (
        conversation_wake_due(conversation_id=conversation.pk, scheduled_for=first) == "unchanged"
    )
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED


def test_the_timer_leaves_a_conversation_woken_meanwhile_alone(inbox, agent):
    conversation = conversation_for(inbox)
    until = future(1).replace(microsecond=0)
    conversation_snooze(conversation=conversation, until=until, actor=agent)
    conversation_set_status(conversation=conversation, status="pending", actor=agent)
    assert (
        conversation_wake_due(conversation_id=conversation.pk, scheduled_for=until) == "unchanged"
    )
    conversation.refresh_from_db()
    assert conversation.status == Status.PENDING
    assert conversation_wake_due(conversation_id=10**9, scheduled_for=until) == "missing"


def test_a_customer_message_wakes_a_snoozed_conversation_at_once(inbox, agent):
    conversation = conversation_for(inbox, from_address="ana@example.com")
    first = conversation.messages.get()
    conversation_snooze(conversation=conversation, until=future(), actor=agent)
    result = receive(
        inbox,
        from_address="ana@example.com",
        in_reply_to=[first.message_id],
        references=[first.message_id],
        subject="Re: anything",
    )
    assert result.conversation.pk == conversation.pk
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == (Status.OPEN, None)
    last = ConversationEvent.objects.filter(kind=EventKind.STATUS_CHANGED).latest("id")
    assert last.data == {"old": "snoozed", "new": "open", "reason": "customer replied"}


def test_the_batch_path_clears_the_snooze_too(inbox, agent):
    snoozed = [conversation_for(inbox, from_address=f"c{i}@example.com") for i in range(2)]
    for conversation in snoozed:
        conversation_snooze(conversation=conversation, until=future(), actor=agent)
    items = []
    for conversation in snoozed:
        message = conversation.messages.get()
        items.append(
            ReceiveItem(
                inbox=inbox,
                inbound=inbound_email(
                    from_address=conversation.customer.email,
                    in_reply_to=[message.message_id],
                    references=[message.message_id],
                ),
            )
        )
    results = messages_receive(items=items)
    assert {r.conversation.pk for r in results} == {c.pk for c in snoozed}
    for conversation in snoozed:
        conversation.refresh_from_db()
        assert (conversation.status, conversation.snoozed_until) == (Status.OPEN, None)


def test_an_auto_reply_does_not_wake_it(inbox, agent):
    conversation = conversation_for(inbox, from_address="ana@example.com")
    first = conversation.messages.get()
    conversation_snooze(conversation=conversation, until=future(), actor=agent)
    receive(
        inbox,
        from_address="ana@example.com",
        in_reply_to=[first.message_id],
        references=[first.message_id],
        is_auto_submitted=True,
    )
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED
    assert conversation.snoozed_until is not None


def test_a_reply_leaves_the_conversation_snoozed(inbox, agent):
    conversation = conversation_for(inbox)
    conversation_snooze(conversation=conversation, until=future(), actor=agent)
    conversation_reply(conversation=conversation, author=agent, body="Still on it.")
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED


def test_snoozed_conversations_leave_open_and_mine_for_the_snoozed_folder(inbox, agent):
    conversation = conversation_for(inbox)
    conversation.assignee = agent
    conversation.save(update_fields=["assignee"])

    def ids(folder: str) -> list[int]:
        page = conversation_list(actor=agent, filters=ConversationFilters(folder=folder))
        return [c.pk for c in page.items]

    assert conversation.pk in ids(Folder.OPEN) and conversation.pk in ids(Folder.MINE)
    conversation_snooze(conversation=conversation, until=future(), actor=agent)
    assert ids(Folder.OPEN) == ids(Folder.MINE) == []
    assert ids(Folder.SNOOZED) == [conversation.pk]
    conversation_wake(conversation=conversation, actor=agent)
    assert ids(Folder.SNOOZED) == []
    assert conversation.pk in ids(Folder.MINE)
