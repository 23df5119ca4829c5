"""The "due soonest" order and the "breached" / "at risk" filters: by the conversation's SLA
summary (`sla_due_at`, `sla_at_risk_at`), keyset-paginated, served by their indexes."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carefront.conversations.models import Conversation, Status
from carefront.conversations.selectors import (
    ConversationFilters,
    Folder,
    SlaState,
    Sort,
    conversation_list,
)
from carefront.conversations.services import conversation_set_sla_due
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput

pytestmark = pytest.mark.django_db


def _due(conversation, minutes: float | None, *, risk_lead: float = 10):
    now = timezone.now()
    if minutes is None:
        conversation_set_sla_due(conversation_id=conversation.pk, due_at=None, at_risk_at=None)
        return
    due = now + dt.timedelta(minutes=minutes)
    conversation_set_sla_due(
        conversation_id=conversation.pk,
        due_at=due,
        at_risk_at=due - dt.timedelta(minutes=risk_lead),
    )


@pytest.fixture
def board(inbox):
    """Five open conversations: breached 30 m ago, at risk (due in 5 m), fine (due in 2 h),
    another breached (2 m ago), and one without a due time."""
    made = {}
    for name, minutes in [
        ("breached_long", -30),
        ("at_risk", 5),
        ("fine", 120),
        ("breached_just", -2),
        ("none", None),
    ]:
        made[name] = conversation_for(inbox, subject=name)
        _due(made[name], minutes)
    return made


def _subjects(agent, **kwargs) -> list[str]:
    page = conversation_list(actor=agent, filters=ConversationFilters(**kwargs), limit=50)
    return [c.subject for c in page.items]


def test_due_soonest_puts_breached_first_and_conversations_without_a_due_time_last(board, agent):
    assert _subjects(agent, sort=Sort.DUE) == [
        "breached_long",
        "breached_just",
        "at_risk",
        "fine",
        "none",
    ]


def test_the_breached_filter_keeps_only_conversations_past_their_due_time(board, agent):
    assert _subjects(agent, sort=Sort.DUE, sla=SlaState.BREACHED) == [
        "breached_long",
        "breached_just",
    ]
    # With another order too.
    assert set(_subjects(agent, sla=SlaState.BREACHED)) == {"breached_long", "breached_just"}


def test_the_at_risk_filter_keeps_those_at_risk_and_not_yet_breached(board, agent):
    assert _subjects(agent, sort=Sort.DUE, sla=SlaState.AT_RISK) == ["at_risk"]


def test_an_unknown_sla_filter_is_a_clear_error(board, agent):
    with pytest.raises(InvalidInput):
        _subjects(agent, sla="late")


def test_due_pages_cover_everything_once_in_order_across_the_null_boundary(inbox, agent):
    made = [conversation_for(inbox, subject=f"c{i}") for i in range(9)]
    # Same due time for some (ties broken by id), none for others.
    for i, conversation in enumerate(made):
        _due(conversation, None if i % 3 == 0 else 60 * (i % 2))
    seen, cursor = [], None
    while True:
        page = conversation_list(
            actor=agent, filters=ConversationFilters(sort=Sort.DUE), cursor=cursor, limit=2
        )
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = sorted(
        Conversation.objects.filter(pk__in=[c.pk for c in made]),
        key=lambda c: (c.sla_due_at is None, c.sla_due_at or timezone.now(), c.pk),
    )
    assert seen == [c.pk for c in expected]


def test_a_cursor_of_another_sort_is_refused(board, agent):
    page = conversation_list(actor=agent, filters=ConversationFilters(sort=Sort.DUE), limit=2)
    with pytest.raises(InvalidInput):
        conversation_list(
            actor=agent, filters=ConversationFilters(sort=Sort.WAITING), cursor=page.next_cursor
        )


def test_a_met_or_paused_conversation_leaves_the_breached_filter(board, agent):
    _due(board["breached_long"], None)  # the engine clears the summary when nothing runs
    assert _subjects(agent, sla=SlaState.BREACHED) == ["breached_just"]


def test_due_sort_query_count_does_not_grow_with_the_rows(inbox, agent):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            conversation_list(actor=agent, filters=ConversationFilters(sort=Sort.DUE))
        return len(ctx.captured_queries)

    for i in range(3):
        _due(conversation_for(inbox), i)
    small = count()
    for i in range(30):
        _due(conversation_for(inbox), i)
    assert small == count() == 2  # the page, its tag names


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"folder": Folder.OPEN}, "conv_status_due_idx"),
        ({"folder": Folder.OPEN, "sla": SlaState.BREACHED}, "conv_status_due_idx"),
        ({"folder": Folder.ALL}, "conv_due_idx"),
        ({"folder": Folder.OPEN, "inbox_id": "INBOX"}, "conv_inbox_due_idx"),
        ({"folder": Folder.OPEN, "team_id": "TEAM"}, "conv_team_due_idx"),
        ({"folder": Folder.OPEN, "assignee_id": "ADMIN"}, "conv_assignee_due_idx"),
    ],
)
def test_the_due_sort_walks_its_index_without_sorting(inbox, team, admin, filters, index):
    for i in range(5):
        _due(conversation_for(inbox), i)
    Conversation.objects.update(status=Status.OPEN, team=team, assignee=admin)
    known = {"INBOX": inbox.pk, "TEAM": team.pk, "ADMIN": admin.pk}
    filters = {k: known.get(v, v) if isinstance(v, str) else v for k, v in filters.items()}
    qs_filters = ConversationFilters(sort=Sort.DUE, **filters)
    with CaptureQueriesContext(connection) as ctx:
        conversation_list(actor=admin, filters=qs_filters)
    page_query = next(q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"])
    # Re-run the captured SQL through the planner: the literal of the index is in the text.
    assert "9999-12-31" in page_query
    with connection.cursor() as cursor:
        plan_sql = page_query
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + plan_sql)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert index in plan, plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + plan_sql)
            plan = " ".join(row[0] for row in cursor.fetchall())
            # On a table of five rows PostgreSQL may take another of the due indexes (the
            # costs tie); what matters is that one serves the order, with no sort.
            assert "_due_idx" in plan, plan
            assert "Sort" not in plan.replace("Sort Key", ""), plan
