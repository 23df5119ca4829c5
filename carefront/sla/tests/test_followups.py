"""Follow-up promises: making one snoozes the conversation; a reply in time keeps it; the due
timer breaks it once and brings the conversation back to its owner; done and cancel."""

import datetime as dt

import pytest
from django.utils import timezone

from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.models import Status
from carefront.conversations.services import conversation_reply, conversation_snooze
from carefront.conversations.tests.factories import conversation_for, receive
from carefront.core.events import _subscribers
from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.sla import events
from carefront.sla.models import FollowUp, FollowUpState
from carefront.sla.selectors import followup_records, followups_outstanding
from carefront.sla.services import (
    followup_cancel,
    followup_complete,
    followup_create,
    followup_due,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    seen: list[object] = []
    kinds = (events.FollowUpCreated, events.FollowUpKept, events.FollowUpBroken)
    for kind in kinds:
        _subscribers[kind].append(seen.append)
    yield seen
    for kind in kinds:
        _subscribers[kind].remove(seen.append)


@pytest.fixture
def colleague(team):
    other = AgentFactory()
    team.members.add(other)
    return other


def later(hours: float = 24) -> dt.datetime:
    return (timezone.now() + dt.timedelta(hours=hours)).replace(microsecond=0)


def promise(conversation, owner, hours: float = 24, **kwargs) -> FollowUp:
    return followup_create(
        conversation=conversation, owner=owner, due_at=later(hours), actor=owner, **kwargs
    )


def test_a_promise_snoozes_the_conversation_until_it_is_due(inbox, agent, published):
    conversation = conversation_for(inbox)
    follow_up = promise(conversation, agent, note="Ask the warehouse", customer_text="By Friday.")
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED
    assert conversation.snoozed_until == follow_up.due_at
    assert (follow_up.state, follow_up.note, follow_up.customer_text) == (
        FollowUpState.OPEN,
        "Ask the warehouse",
        "By Friday.",
    )


def test_the_conversation_sleeps_until_the_earliest_open_promise(inbox, agent):
    conversation = conversation_for(inbox)
    soon = promise(conversation, agent, hours=5)
    promise(conversation, agent, hours=50)
    conversation.refresh_from_db()
    assert conversation.snoozed_until == soon.due_at


def test_an_earlier_snooze_stands(inbox, agent):
    conversation = conversation_for(inbox)
    until = later(3)
    conversation_snooze(conversation=conversation, until=until, actor=agent)
    promise(conversation, agent, hours=48)
    conversation.refresh_from_db()
    assert conversation.snoozed_until == until


@pytest.mark.parametrize(
    ("hours", "message"), [(-1, "must be in the future"), (24 * 400, "at most a year")]
)
def test_a_bad_due_time_is_refused_and_nothing_is_saved(inbox, agent, hours, message):
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput, match=message):
        promise(conversation, agent, hours=hours)
    assert not FollowUp.objects.exists()
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_an_owner_who_cannot_see_the_inbox_is_refused(inbox, agent, outsider):
    conversation = conversation_for(inbox)
    with pytest.raises(PermissionDenied):
        followup_create(conversation=conversation, owner=outsider, due_at=later(), actor=agent)
    assert not FollowUp.objects.exists()


def test_a_too_long_note_is_refused(inbox, agent):
    with pytest.raises(InvalidInput, match="longer than"):
        promise(conversation_for(inbox), agent, note="x" * 2001)


def test_a_reply_in_time_keeps_the_promise(inbox, agent, colleague, published):
    conversation = conversation_for(inbox)
    follow_up = promise(conversation, agent)
    message = conversation_reply(conversation=conversation, author=colleague, body="Found it!")
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.KEPT
    assert follow_up.kept_by_message_id == message.pk
    assert follow_up.kept_at == message.created_at
    assert follow_up_due_after(follow_up) == FollowUpState.KEPT  # the timer then does nothing


def follow_up_due_after(follow_up: FollowUp) -> str:
    return followup_due(follow_up_id=follow_up.pk, now=follow_up.due_at + dt.timedelta(seconds=1))


def test_a_reply_sent_before_the_promise_does_not_keep_it(inbox, agent):
    conversation = conversation_for(inbox)
    conversation_reply(conversation=conversation, author=agent, body="I'll check on Friday.")
    follow_up = promise(conversation, agent)
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.OPEN


def test_a_promise_not_kept_breaks_once_and_the_conversation_comes_back_to_its_owner(
    inbox, agent, colleague, published, django_capture_on_commit_callbacks
):
    conversation = conversation_for(inbox)
    conversation.assignee = colleague
    conversation.save(update_fields=["assignee"])
    with django_capture_on_commit_callbacks(execute=True):
        follow_up = promise(conversation, agent)
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_up_due_after(follow_up) == FollowUpState.BROKEN
    follow_up.refresh_from_db()
    conversation.refresh_from_db()
    assert follow_up.state == FollowUpState.BROKEN
    assert follow_up.broken_at == follow_up.due_at + dt.timedelta(seconds=1)
    assert (conversation.status, conversation.snoozed_until) == (Status.OPEN, None)
    assert conversation.assignee == agent
    assert [type(e) for e in published] == [events.FollowUpBroken]
    # The timer firing again (a retry) breaks nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_up_due_after(follow_up) == FollowUpState.BROKEN
    assert len(published) == 1


def test_the_timer_does_nothing_before_the_due_time(inbox, agent):
    follow_up = promise(conversation_for(inbox), agent)
    assert followup_due(follow_up_id=follow_up.pk, now=timezone.now()) == FollowUpState.OPEN
    assert followup_due(follow_up_id=10**9) == "missing"


def test_a_customer_message_wakes_it_early_and_the_promise_still_runs(inbox, agent):
    conversation = conversation_for(inbox, from_address="ana@example.com")
    first = conversation.messages.get()
    follow_up = promise(conversation, agent)
    receive(
        inbox,
        from_address="ana@example.com",
        in_reply_to=[first.message_id],
        references=[first.message_id],
    )
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.OPEN


def test_a_late_reply_fulfils_a_broken_promise_which_stays_broken(inbox, agent):
    conversation = conversation_for(inbox)
    follow_up = promise(conversation, agent)
    follow_up_due_after(follow_up)
    conversation_reply(conversation=conversation, author=agent, body="Sorry for the wait.")
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.BROKEN
    assert follow_up.kept_at is not None
    assert not follow_up.is_outstanding


def test_the_owner_marks_it_done_in_time(inbox, agent, published):
    follow_up = promise(conversation_for(inbox), agent)
    followup_complete(follow_up=follow_up, actor=agent)
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.KEPT
    assert follow_up.kept_by_message is None
    with pytest.raises(InvalidInput, match="already kept"):
        followup_complete(follow_up=follow_up, actor=agent)


def test_done_after_the_due_time_but_before_the_timer_ran_is_a_breach(inbox, agent):
    follow_up = promise(conversation_for(inbox), agent)
    followup_complete(follow_up=follow_up, actor=agent, now=follow_up.due_at + dt.timedelta(1))
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.BROKEN
    assert follow_up.broken_at == follow_up.due_at


def test_a_cancelled_promise_neither_breaks_nor_counts(inbox, agent):
    follow_up = promise(conversation_for(inbox), agent)
    followup_cancel(follow_up=follow_up, actor=agent)
    assert follow_up_due_after(follow_up) == FollowUpState.CANCELLED
    follow_up.refresh_from_db()
    assert follow_up.broken_at is None
    with pytest.raises(InvalidInput, match="already cancelled"):
        followup_cancel(follow_up=follow_up, actor=agent)


def test_the_due_timer_leaves_a_conversation_snoozed_again_later_alone(inbox, agent):
    conversation = conversation_for(inbox)
    follow_up = promise(conversation, agent, hours=2)
    until = later(72)
    conversation_snooze(conversation=conversation, until=until, actor=agent)
    assert follow_up_due_after(follow_up) == FollowUpState.BROKEN
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED
    assert conversation.snoozed_until == until
    assert conversation.assignee == agent


def test_my_follow_ups_lists_outstanding_ones_overdue_first_in_pages(inbox, agent, colleague):
    conversations = [conversation_for(inbox) for _ in range(4)]
    due = [promise(c, agent, hours=h) for c, h in zip(conversations, [30, 10, 20, 40], strict=True)]
    promise(conversations[0], colleague, hours=1)  # someone else's
    followup_cancel(follow_up=due[3], actor=agent)
    follow_up_due_after(due[2])  # now overdue: first
    first = followups_outstanding(actor=agent, owner=agent, limit=2)
    assert [f.pk for f in first.items] == [due[1].pk, due[2].pk]
    second = followups_outstanding(actor=agent, owner=agent, cursor=first.next_cursor, limit=2)
    assert [f.pk for f in second.items] == [due[0].pk]
    assert second.next_cursor is None


def test_a_page_of_the_list_costs_one_query_whatever_its_length(
    inbox, agent, django_assert_num_queries
):
    for _ in range(6):
        promise(conversation_for(inbox), agent)
    with django_assert_num_queries(1):
        page = followups_outstanding(actor=agent, owner=agent)
        for follow_up in page.items:
            assert follow_up.conversation.customer.display_name
            assert follow_up.conversation.inbox.name


def test_a_bad_cursor_is_a_clear_error(agent):
    with pytest.raises(InvalidInput, match="cursor"):
        followups_outstanding(actor=agent, owner=agent, cursor="nonsense")


def test_records_count_kept_and_broken_per_agent(inbox, agent, colleague, admin):
    kept = promise(conversation_for(inbox), agent)
    followup_complete(follow_up=kept, actor=agent)
    broken = promise(conversation_for(inbox), agent)
    follow_up_due_after(broken)
    promise(conversation_for(inbox), colleague)
    now = timezone.now() + dt.timedelta(days=2)
    mine = followup_records(actor=agent, now=now)
    assert [(r.owner_id, r.kept, r.broken, r.outstanding) for r in mine] == [(agent.pk, 1, 1, 1)]
    assert mine[0].kept_share == 50
    everyone = {r.owner_id: r for r in followup_records(actor=admin, now=now)}
    assert everyone[colleague.pk].outstanding == 1
    assert everyone[colleague.pk].kept_share is None
