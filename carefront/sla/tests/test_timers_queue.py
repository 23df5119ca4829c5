"""With the real database queue (django-tasks-db, as in production): timers are rows with
`run_after`; a worker that was down runs the ones that came due meanwhile when it starts again,
and a timer that runs twice acts once."""

import datetime as dt

import pytest
from django.tasks import TaskResultStatus
from django.test import override_settings
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from carefront.conversations.tests.factories import conversation_for
from carefront.sla.events import SlaTargetAtRisk, SlaTargetBreached
from carefront.sla.models import SlaTarget, TargetKind

from .conftest import START

pytestmark = pytest.mark.django_db(transaction=True)
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
M = dt.timedelta(minutes=1)
TIMER = "carefront.sla.tasks.sla_timer_task"


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


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_worker_that_was_down_catches_up_and_each_timer_fires_once(
    inbox, policy, clock, sla_events_seen
):
    conversation = conversation_for(inbox)
    timers = DBTaskResult.objects.filter(task_path=TIMER)
    # First reply and resolution: an at-risk and a due timer each, waiting in the queue.
    assert sorted(timers.values_list("run_after", flat=True)) == [
        START + 30 * M,
        START + 60 * M,
        START + 450 * M,
        START + 480 * M,
    ]
    # No worker ran while the first reply came due; one starts now.
    clock.now = START + 90 * M
    run_worker()
    target = SlaTarget.objects.get(conversation=conversation, kind=TargetKind.FIRST_REPLY)
    assert target.at_risk_fired_at == target.breach_fired_at == START + 90 * M
    assert target.breached_at == START + 60 * M
    assert [type(e) for e in sla_events_seen] == [SlaTargetAtRisk, SlaTargetBreached]
    assert timers.filter(status=TaskResultStatus.SUCCESSFUL).count() == 2
    # The resolution's timers are not due: they stay queued.
    assert timers.filter(status=TaskResultStatus.READY).count() == 2

    # A timer run a second time (a recovered worker's retry) does nothing more.
    timers.filter(status=TaskResultStatus.SUCCESSFUL).update(status=TaskResultStatus.READY)
    run_worker()
    assert len(sla_events_seen) == 2
    assert set(timers.filter(run_after__lte=clock.now).values_list("return_value", flat=True)) == {
        "done"
    }
    conversation.refresh_from_db()
    assert conversation.sla_due_at == START + 60 * M  # breached: due in the past
