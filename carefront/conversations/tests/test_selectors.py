import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carefront.conversations.models import Status
from carefront.conversations.selectors import (
    ConversationFilters,
    Folder,
    Sort,
    access_conversation,
    conversation_list,
)
from carefront.conversations.services import conversation_assign, conversation_set_tags
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput, NotFound

pytestmark = pytest.mark.django_db


def _make(inbox, n, start=None):
    start = start or timezone.now() - dt.timedelta(days=10)
    return [conversation_for(inbox, sent_at=start + dt.timedelta(minutes=i)) for i in range(n)]


def test_waiting_longest_comes_first(inbox, agent):
    made = _make(inbox, 5)
    page = conversation_list(actor=agent, filters=ConversationFilters(sort=Sort.WAITING))
    assert [c.pk for c in page.items] == [c.pk for c in made]


def test_keyset_pages_cover_everything_once(inbox, agent):
    made = _make(inbox, 12)
    seen, cursor = [], None
    while True:
        page = conversation_list(actor=agent, filters=ConversationFilters(), cursor=cursor, limit=5)
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [c.pk for c in made]


def test_newest_sort_pages_backwards_in_time(inbox, agent):
    made = _make(inbox, 7)
    first = conversation_list(actor=agent, filters=ConversationFilters(sort=Sort.NEWEST), limit=4)
    second = conversation_list(
        actor=agent,
        filters=ConversationFilters(sort=Sort.NEWEST),
        cursor=first.next_cursor,
        limit=4,
    )
    assert [c.pk for c in first.items + second.items] == [c.pk for c in reversed(made)]


def test_bad_cursor_is_a_clear_error(inbox, agent):
    with pytest.raises(InvalidInput):
        conversation_list(actor=agent, filters=ConversationFilters(), cursor="not-a-cursor")


def test_outsider_sees_nothing_of_another_team(inbox, outsider):
    conversation = _make(inbox, 1)[0]
    assert (
        conversation_list(actor=outsider, filters=ConversationFilters(folder=Folder.ALL)).items
        == []
    )
    with pytest.raises(NotFound):
        access_conversation(actor=outsider, conversation_id=conversation.pk)


def test_admin_sees_every_inbox(inbox, admin):
    _make(inbox, 2)
    assert len(conversation_list(actor=admin, filters=ConversationFilters()).items) == 2


def test_folders_and_filters(inbox, agent):
    mine, unassigned, tagged = _make(inbox, 3)
    conversation_assign(conversation=mine, assignee=agent, actor=agent)
    conversation_set_tags(conversation=tagged, names=["vip"], actor=agent)

    def ids(**kw):
        return [
            c.pk for c in conversation_list(actor=agent, filters=ConversationFilters(**kw)).items
        ]

    assert ids(folder=Folder.MINE) == [mine.pk]
    assert ids(folder=Folder.UNASSIGNED) == [unassigned.pk, tagged.pk]
    assert ids(tag="vip") == [tagged.pk]
    assert ids(folder=Folder.SOLVED) == []
    assert ids(folder=Folder.ALL, status=Status.OPEN) == [mine.pk, unassigned.pk, tagged.pk]


def test_list_query_count_does_not_grow_with_the_page(inbox, agent):
    _make(inbox, 3)
    with CaptureQueriesContext(connection) as small:
        conversation_list(actor=agent, filters=ConversationFilters())
    _make(inbox, 20)
    with CaptureQueriesContext(connection) as large:
        conversation_list(actor=agent, filters=ConversationFilters())
    assert len(small) == len(large)


def test_visible_inbox_is_cached_and_follows_memberships_at_once(django_assert_num_queries):
    from carefront.accounts.models import Role
    from carefront.accounts.tests.factories import AgentFactory, TeamFactory
    from carefront.conversations.selectors import visible_inbox
    from carefront.inboxes.tests.factories import InboxFactory

    agent = AgentFactory()
    team = TeamFactory()
    inbox = InboxFactory(teams=[team])
    assert visible_inbox(actor=agent, inbox_id=inbox.pk) is None
    team.members.add(agent)
    assert visible_inbox(actor=agent, inbox_id=inbox.pk).name == inbox.name
    with django_assert_num_queries(0):
        assert visible_inbox(actor=agent, inbox_id=inbox.pk) is not None
    inbox.teams.remove(team)
    assert visible_inbox(actor=agent, inbox_id=inbox.pk) is None
    agent.role = Role.ADMIN
    agent.save(update_fields=["role"])
    assert visible_inbox(actor=agent, inbox_id=inbox.pk) is not None
