"""conversation_set_priority: the field, its timeline row, its event, and what it refuses."""

import pytest

from carefront.conversations import events
from carefront.conversations.models import ConversationEvent, EventKind, Priority
from carefront.conversations.services import (
    conversation_set_priority,
    conversations_bulk_update,
)
from carefront.conversations.tests.factories import conversation_for
from carefront.core.events import _subscribers
from carefront.core.exceptions import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    seen: list[object] = []
    _subscribers[events.ConversationPriorityChanged].append(seen.append)
    yield seen
    _subscribers[events.ConversationPriorityChanged].remove(seen.append)


def test_a_new_conversation_is_normal_priority(inbox):
    assert conversation_for(inbox).priority == Priority.NORMAL


def test_raising_the_priority_saves_it_and_records_a_timeline_row(inbox, agent):
    conversation = conversation_for(inbox)
    before = conversation.updated_at
    result = conversation_set_priority(conversation=conversation, priority="urgent", actor=agent)
    conversation.refresh_from_db()
    assert result.priority == conversation.priority == Priority.URGENT
    assert conversation.updated_at > before
    event = ConversationEvent.objects.get(
        conversation=conversation, kind=EventKind.PRIORITY_CHANGED
    )
    assert event.actor == agent
    assert event.data == {"old": "normal", "new": "urgent"}


def test_the_event_is_published_after_commit_with_names(
    inbox, agent, published, django_capture_on_commit_callbacks
):
    conversation = conversation_for(inbox)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        conversation_set_priority(conversation=conversation, priority=Priority.LOW, actor=agent)
    assert published == []  # not before the commit
    for callback in callbacks:
        callback()
    assert published == [
        events.ConversationPriorityChanged(
            conversation_id=conversation.pk, old_priority="normal", new_priority="low"
        )
    ]


def test_setting_the_current_priority_changes_nothing(
    inbox, agent, published, django_capture_on_commit_callbacks
):
    conversation = conversation_for(inbox)
    before = conversation.updated_at
    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_priority(conversation=conversation, priority="normal", actor=agent)
    conversation.refresh_from_db()
    assert conversation.updated_at == before
    assert not conversation.events.filter(kind=EventKind.PRIORITY_CHANGED).exists()
    assert published == []


@pytest.mark.parametrize("priority", ["critical", "", 25, 0, True, None, "10"])
def test_an_unknown_priority_is_refused_and_nothing_changes(inbox, agent, priority):
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput, match="is not a priority"):
        conversation_set_priority(conversation=conversation, priority=priority, actor=agent)
    conversation.refresh_from_db()
    assert conversation.priority == Priority.NORMAL


def test_bulk_update_sets_the_priority_of_each_with_its_own_row(inbox, agent):
    conversations = [conversation_for(inbox) for _ in range(3)]
    conversation_set_priority(conversation=conversations[0], priority="high", actor=agent)
    result = conversations_bulk_update(
        conversation_ids=[c.pk for c in conversations], actor=agent, priority="high"
    )
    assert result.updated == 3
    for conversation in conversations:
        conversation.refresh_from_db()
        assert conversation.priority == Priority.HIGH
    # One row each: the one already high got none from the bulk change.
    assert ConversationEvent.objects.filter(kind=EventKind.PRIORITY_CHANGED).count() == 3


def test_bulk_update_refuses_an_unknown_priority_before_changing_anything(inbox, agent):
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput):
        conversations_bulk_update(
            conversation_ids=[conversation.pk], actor=agent, priority="asap", status="solved"
        )
    conversation.refresh_from_db()
    assert conversation.status == "open"
