"""With the real database queue (django-tasks-db, as in production): the event handler only
writes rows and enqueues; the worker sends; a failed attempt becomes a deferred task."""

import datetime as dt

import pytest
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from carefront.webhooks import catalogue
from carefront.webhooks.models import DeliveryStatus
from carefront.webhooks.services import (
    FLUSH_GRACE_WITH_QUEUE,
    webhook_event_record,
    webhook_flush,
    webhook_subscription_create,
)

# Real commits: the queue's worker and the after-commit hooks run as in production.
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


@override_settings(TASKS=DATABASE_QUEUE)
def test_handler_enqueues_worker_sends_and_a_failure_is_retried_by_a_deferred_task(admin, receiver):
    webhook_subscription_create(
        actor=admin, url=receiver.url, event_types=[catalogue.CUSTOMER_CREATED]
    )
    receiver.script = ["500"]
    [delivery] = webhook_event_record(
        event_type=catalogue.CUSTOMER_CREATED, build=lambda: {"id": 1}
    )
    # Nothing was sent while the event was handled: a task waits in the queue.
    assert receiver.requests == []
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1

    run_worker()
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.run_after == delivery.next_attempt_at
    assert retry.args_kwargs["args"] == [delivery.pk]

    # Not due yet: the worker leaves it, and so does the flush (its task is alive).
    run_worker()
    assert webhook_flush(now=delivery.next_attempt_at + FLUSH_GRACE_WITH_QUEUE / 2) == 0
    assert len(receiver.requests) == 1

    # Time passes (moved back rather than waited for).
    due = timezone.now() - dt.timedelta(seconds=1)
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=due)
    type(delivery).objects.filter(pk=delivery.pk).update(next_attempt_at=due)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2
    assert len(receiver.requests) == 2


@override_settings(TASKS=DATABASE_QUEUE)
def test_the_flush_sends_a_delivery_whose_task_was_lost(admin, receiver):
    webhook_subscription_create(
        actor=admin, url=receiver.url, event_types=[catalogue.CUSTOMER_CREATED]
    )
    [delivery] = webhook_event_record(
        event_type=catalogue.CUSTOMER_CREATED, build=lambda: {"id": 1}
    )
    DBTaskResult.objects.all().delete()  # the queue lost it
    assert webhook_flush() == 0  # within the grace period a task may still come
    assert webhook_flush(now=timezone.now() + FLUSH_GRACE_WITH_QUEUE) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1
