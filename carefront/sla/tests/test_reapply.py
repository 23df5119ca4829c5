"""The bulk path: re-applying the policies to many conversations at once (after a policy change,
or for conversations that predate the policies) gives what the per-change path gives."""

import datetime as dt

import pytest

from carefront.conversations.models import Conversation
from carefront.conversations.services import conversation_reply
from carefront.conversations.tests.factories import conversation_for
from carefront.sla.models import SlaPolicy, SlaTarget, TargetKind
from carefront.sla.services.targets import open_conversation_ids, sla_conversations_reapply
from carefront.sla.tasks import sla_reapply_task

from .conftest import START

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def test_conversations_that_predate_the_policies_get_their_clocks(inbox, agent, clock):
    waiting = conversation_for(inbox)
    answered = conversation_for(inbox)
    clock.advance(minutes=5)
    conversation_reply(conversation=answered, author=agent, body="Hi")
    solved = conversation_for(inbox)
    conversation_reply(conversation=solved, author=agent, body="Done", status="solved")
    SlaPolicy.objects.create(
        name="Late",
        first_reply_minutes=60,
        first_reply_basis="calendar",
        next_reply_minutes=60,
        resolution_minutes=600,
        resolution_basis="calendar",
    )
    clock.advance(minutes=5)
    # One batch here; it enqueues the next, which the immediate backend runs at once.
    assert sla_reapply_task.call() == answered.pk
    kinds = {
        c.pk: sorted(SlaTarget.objects.filter(conversation=c).values_list("kind", flat=True))
        for c in (waiting, answered, solved)
    }
    # Waiting for a first reply; answered (no one waits: only the resolution); solved: none.
    assert kinds == {
        waiting.pk: ["first_reply", "resolution"],
        answered.pk: ["resolution"],
        solved.pk: [],
    }
    first = SlaTarget.objects.get(conversation=waiting, kind=TargetKind.FIRST_REPLY)
    assert first.due_at == START + 70 * M  # starts now, from zero
    waiting.refresh_from_db()
    assert waiting.sla_due_at == first.due_at


def test_bulk_and_single_paths_agree_after_a_policy_change(inbox, agent, policy, clock):
    conversations = [conversation_for(inbox) for _ in range(3)]
    clock.advance(minutes=20)
    policy.first_reply_minutes = 45
    policy.save()
    sla_conversations_reapply(conversation_ids=open_conversation_ids())
    dues = set(
        SlaTarget.objects.filter(kind=TargetKind.FIRST_REPLY).values_list("due_at", "spent_seconds")
    )
    assert dues == {(START + 45 * M, 1200)}
    assert set(Conversation.objects.values_list("sla_due_at", flat=True)) == {START + 45 * M}
    # Nothing changed since: a second pass writes nothing.
    assert sla_conversations_reapply(conversation_ids=[c.pk for c in conversations]) == 0


def test_a_batch_costs_the_same_queries_for_more_conversations(
    inbox, policy, clock, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few = [conversation_for(inbox).pk for _ in range(2)]
    many = [conversation_for(inbox).pk for _ in range(10)]
    policy.resolution_minutes = 600
    policy.save()
    sla_conversations_reapply(conversation_ids=[])  # warm the policy cache
    with CaptureQueriesContext(connection) as small:
        sla_conversations_reapply(conversation_ids=few)
    with CaptureQueriesContext(connection) as large:
        sla_conversations_reapply(conversation_ids=many)
    assert len(small) == len(large)
