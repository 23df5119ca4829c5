"""With the real database queue (django-tasks-db, as in production): one deferred task per
waiting digest, due after the delay; the worker sends one email; a lost task is found by the
flush."""

import datetime as dt

import pytest
from django.core import mail
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from carefront.conversations.services import conversation_assign
from carefront.conversations.tests.factories import conversation_for
from carefront.core.events import publish
from carefront.notifications.models import DigestStatus, EmailDigest
from carefront.notifications.services import notification_digests_flush
from carefront.notifications.services.digests import FLUSH_GRACE_WITH_QUEUE
from carefront.sla.events import SlaTargetBreached

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run_worker() -> None:
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


def _breach(conversation, target_id: int) -> None:
    publish(
        SlaTargetBreached(
            target_id=target_id,
            conversation_id=conversation.pk,
            kind="first_reply",
            due_at=timezone.now(),
            policy_id=None,
            notify=True,
        )
    )


@override_settings(TASKS=DATABASE_QUEUE)
def test_three_breaches_queue_one_deferred_task_and_the_worker_sends_one_email(inbox, agent, team):
    # The worker would otherwise also send the customers' acknowledgements.
    inbox.send_acknowledgement = False
    inbox.save(update_fields=["send_acknowledgement"])
    before = timezone.now()
    for i in range(3):
        conversation = conversation_for(inbox, subject=f"Parcel {i}")
        conversation_assign(conversation=conversation, assignee=agent, team=team, actor=agent)
        _breach(conversation, target_id=i + 1)
    digest = EmailDigest.objects.get(recipient=agent)
    [task] = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path__endswith="notification_digest_send_task"
    )
    assert task.args_kwargs["args"] == [digest.pk]
    assert task.run_after == digest.send_after
    assert (
        before + dt.timedelta(minutes=2)
        <= task.run_after
        <= timezone.now() + dt.timedelta(minutes=2)
    )
    # Not due: the worker leaves it, and so does the flush (its task is alive).
    run_worker()
    assert notification_digests_flush(now=digest.send_after + FLUSH_GRACE_WITH_QUEUE / 2) == 0
    assert mail.outbox == []
    # Time passes (moved back rather than waited for).
    due = timezone.now() - dt.timedelta(seconds=1)
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=due)
    EmailDigest.objects.filter(pk=digest.pk).update(send_after=due)
    run_worker()
    [email] = mail.outbox
    assert email.to == [agent.email]
    assert "3 new notifications" in email.subject
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SENT
    # The task run again (a queue delivering twice) sends nothing more.
    from carefront.notifications.tasks import notification_digest_send_task

    notification_digest_send_task.call(digest.pk)
    assert len(mail.outbox) == 1


@override_settings(TASKS=DATABASE_QUEUE)
def test_the_flush_sends_a_digest_whose_task_was_lost(conversation, agent):
    mail.outbox.clear()  # the conversation's acknowledgement to its customer
    _breach(conversation, target_id=7)
    DBTaskResult.objects.all().delete()  # the queue lost it
    digest = EmailDigest.objects.get(recipient=agent)
    assert notification_digests_flush(now=digest.send_after) == 0  # a task may still come
    assert notification_digests_flush(now=digest.send_after + FLUSH_GRACE_WITH_QUEUE) == 1
    assert [m.to for m in mail.outbox] == [[agent.email]]
