"""With the real database queue (django-tasks-db, as in production): a snooze and a promise each
leave one task with `run_after` at their time, written with them; a worker that was down runs
them when it comes back; a timer that is no longer current does nothing; none runs twice."""

import datetime as dt

import pytest
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from carefront.conversations.models import Status
from carefront.conversations.services import conversation_snooze
from carefront.conversations.tests.factories import conversation_for
from carefront.sla.models import FollowUpState
from carefront.sla.services import followup_create

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run_worker() -> None:
    """Run every task that is due, then stop (`db_worker --batch`)."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def waiting(task_name: str):
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path__endswith=task_name)


def make_due(task: DBTaskResult) -> None:
    """Time passes (the task is moved back rather than waited for)."""
    DBTaskResult.objects.filter(pk=task.pk).update(
        run_after=timezone.now() - dt.timedelta(seconds=1)
    )


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_snooze_wakes_by_its_task_and_an_outdated_one_does_nothing(inbox, agent):
    conversation = conversation_for(inbox)
    soon = (timezone.now() + dt.timedelta(seconds=2)).replace(microsecond=0)
    conversation_snooze(conversation=conversation, until=soon, actor=agent)
    first = waiting("conversation_wake_task").get()
    assert first.run_after == soon
    # Snoozed again, for later: a second task; the first one will find nothing to do.
    until = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)
    conversation_snooze(conversation=conversation, until=until, actor=agent)
    second = waiting("conversation_wake_task").exclude(pk=first.pk).get()
    assert second.run_after == until

    run_worker()  # nothing is due yet
    assert waiting("conversation_wake_task").count() == 2

    make_due(first)
    run_worker()
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED
    assert DBTaskResult.objects.get(pk=first.pk).return_value == "unchanged"

    assert waiting("conversation_wake_task").get() == second


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_due_snooze_is_woken_by_a_worker_that_starts_late(inbox, agent):
    conversation = conversation_for(inbox)
    until = (timezone.now() + dt.timedelta(hours=1)).replace(microsecond=0)
    conversation_snooze(conversation=conversation, until=until, actor=agent)
    task = waiting("conversation_wake_task").get()
    # The conversation's time passes while no worker runs (moved back, not waited for).
    past = timezone.now() - dt.timedelta(minutes=5)
    type(conversation).objects.filter(pk=conversation.pk).update(snoozed_until=past)
    DBTaskResult.objects.filter(pk=task.pk).update(
        run_after=past, args_kwargs={"args": [conversation.pk, past.isoformat()], "kwargs": {}}
    )
    run_worker()
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == (Status.OPEN, None)
    assert DBTaskResult.objects.get(pk=task.pk).return_value == "woken"
    run_worker()  # it ran once: nothing left
    assert not waiting("conversation_wake_task").exists()


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_promise_leaves_one_due_timer_that_breaks_it_once(inbox, agent):
    conversation = conversation_for(inbox)
    due_at = (timezone.now() + dt.timedelta(hours=3)).replace(microsecond=0)
    follow_up = followup_create(conversation=conversation, owner=agent, due_at=due_at, actor=agent)
    timer = waiting("followup_due_task").get()
    assert timer.run_after == due_at
    assert timer.args_kwargs["args"] == [follow_up.pk]
    # Its due time passes (moved back, not waited for).
    past = timezone.now() - dt.timedelta(minutes=1)
    type(follow_up).objects.filter(pk=follow_up.pk).update(due_at=past)
    type(conversation).objects.filter(pk=conversation.pk).update(snoozed_until=past)
    make_due(timer)
    run_worker()
    follow_up.refresh_from_db()
    conversation.refresh_from_db()
    assert follow_up.state == FollowUpState.BROKEN
    assert conversation.status == Status.OPEN
    assert conversation.assignee_id == agent.pk
    assert DBTaskResult.objects.get(pk=timer.pk).status == TaskResultStatus.SUCCESSFUL
    assert not waiting("followup_due_task").exists()


@override_settings(TASKS=DATABASE_QUEUE)
def test_no_timer_is_left_by_a_refused_snooze(inbox, agent):
    conversation = conversation_for(inbox)
    with pytest.raises(Exception, match="future"):
        followup_create(
            conversation=conversation,
            owner=agent,
            due_at=timezone.now() - dt.timedelta(hours=1),
            actor=agent,
        )
    # (The new conversation's own tasks, its acknowledgement and SLA timers, may be queued.)
    assert not DBTaskResult.objects.filter(task_path__contains="followup").exists()
