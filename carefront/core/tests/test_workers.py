"""Tasks left RUNNING by a worker that died are run again, and a re-run never sends twice."""

import datetime as dt
import socket
import subprocess

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from carefront.conversations.models import DeliveryStatus, OutboxEntry, OutboxStatus
from carefront.conversations.services import conversation_reply
from carefront.conversations.tasks import outbox_deliver_task
from carefront.conversations.tests.factories import conversation_for
from carefront.core.models import WorkerHeartbeat
from carefront.core.workers import (
    Liveness,
    _hostname,
    current_worker_id,
    tasks_recover,
    worker_heartbeat,
)

# The worker command closes connections: PostgreSQL needs real transactions.
pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def dead_worker_id() -> str:
    return f"{_hostname()}:{dead_pid()}:deadbeef"


def beating(worker_id: str, *, seconds_ago: float) -> None:
    seen = timezone.now() - dt.timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="elsewhere", pid=7, started_at=seen, last_seen_at=seen
    )


def running_task(worker_id: str, *, started_ago: dt.timedelta = dt.timedelta()) -> DBTaskResult:
    """A real queue row, claimed by `worker_id` as django-tasks-db's worker claims it."""
    with override_settings(TASKS=DATABASE_QUEUE):
        result = outbox_deliver_task.enqueue(12345)
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - started_ago)
    return row


def status_of(row: DBTaskResult) -> str:
    row.refresh_from_db()
    return row.status


def test_a_task_whose_worker_process_is_gone_is_ready_again():
    row = running_task(dead_worker_id())

    assert tasks_recover() == 1
    assert status_of(row) == TaskResultStatus.READY


def test_a_task_whose_worker_stopped_beating_is_ready_again():
    beating("elsewhere:7:aaaaaaaa", seconds_ago=300)
    row = running_task("elsewhere:7:aaaaaaaa")

    assert tasks_recover() == 1
    assert status_of(row) == TaskResultStatus.READY


def test_a_task_of_a_live_worker_keeps_running():
    beating("elsewhere:7:aaaaaaaa", seconds_ago=5)
    elsewhere = running_task("elsewhere:7:aaaaaaaa", started_ago=dt.timedelta(hours=3))
    mine = running_task(current_worker_id())

    assert tasks_recover() == 0
    assert status_of(elsewhere) == status_of(mine) == TaskResultStatus.RUNNING


def test_a_task_of_an_unknown_worker_is_trusted_for_an_hour():
    recent = running_task("a-plain-worker-id", started_ago=dt.timedelta(minutes=30))
    old = running_task("another-plain-worker-id", started_ago=dt.timedelta(hours=2))

    assert tasks_recover() == 1
    assert status_of(recent) == TaskResultStatus.RUNNING
    assert status_of(old) == TaskResultStatus.READY


def test_an_earlier_process_with_our_pid_is_dead():
    # An earlier process that had our pid (pid 1 of a container, say), under another id.
    import os

    earlier = f"{_hostname()}:{os.getpid()}:earlier1"
    liveness = Liveness.of([earlier])

    assert liveness.is_dead(earlier, claimed_at=timezone.now(), fallback=dt.timedelta(hours=1))
    assert not liveness.is_dead(
        current_worker_id(), claimed_at=timezone.now(), fallback=dt.timedelta(hours=1)
    )


def test_same_host_name_in_another_pid_namespace_is_not_judged_by_pid():
    # Two containers given one host name: a pid gone here says nothing about the other.
    other_namespace = f"{socket.gethostname()[:28]}~1:{dead_pid()}:cccccccc"
    liveness = Liveness.of([other_namespace])

    assert not liveness.is_dead(
        other_namespace, claimed_at=timezone.now(), fallback=dt.timedelta(hours=1)
    )


def test_heartbeat_registers_then_moves_on():
    worker_heartbeat(worker_id="me:1:x")
    first = WorkerHeartbeat.objects.get(worker_id="me:1:x").last_seen_at
    worker_heartbeat(worker_id="me:1:x")

    assert WorkerHeartbeat.objects.get(worker_id="me:1:x").last_seen_at >= first


@override_settings(TASKS=DATABASE_QUEUE)
def test_worker_start_reruns_a_dead_workers_send_without_sending_twice(sink, inbox, agent):
    conversation = conversation_for(inbox, from_address="ana@example.com")
    reply = conversation_reply(conversation=conversation, author=agent, body="On its way.")
    entry = OutboxEntry.objects.get(message=reply)
    # The reply's delivery (the new conversation's acknowledgement task waits too).
    [task] = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path__endswith=".outbox_deliver_task"
    )
    # A worker claimed the task and the send; the relay accepted it; then it was killed.
    dead = dead_worker_id()
    task.claim(dead)
    OutboxEntry.objects.filter(pk=entry.pk).update(
        status=OutboxStatus.SENDING, attempts=1, sending_by=dead, next_attempt_at=timezone.now()
    )
    from carefront.inboxes.email.outbound import send_email_message

    send_email_message(reply)
    OutboxEntry.objects.filter(pk=entry.pk).update(
        status=OutboxStatus.ACCEPTED, sent_at=timezone.now()
    )

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    assert status_of(task) == TaskResultStatus.SUCCESSFUL
    assert len(sink.messages) == 1
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert OutboxEntry.objects.get(pk=entry.pk).status == OutboxStatus.SENT
    assert not WorkerHeartbeat.objects.exists()  # the worker removed its own on the way out


@override_settings(TASKS=DATABASE_QUEUE)
def test_worker_start_reruns_a_dead_workers_task_that_had_not_sent(sink, inbox, agent):
    conversation = conversation_for(inbox, from_address="ana@example.com")
    reply = conversation_reply(conversation=conversation, author=agent, body="On its way.")
    # The reply's delivery (the new conversation's acknowledgement task waits too).
    [task] = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path__endswith=".outbox_deliver_task"
    )
    dead = dead_worker_id()
    task.claim(dead)
    OutboxEntry.objects.filter(message=reply).update(
        status=OutboxStatus.SENDING, attempts=1, sending_by=dead, next_attempt_at=timezone.now()
    )

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    assert status_of(task) == TaskResultStatus.SUCCESSFUL
    [received] = sink.messages
    assert received.message["Message-ID"] == f"<{reply.message_id}>"


def test_tasks_recover_command_reports_what_it_put_back(capsys):
    running_task(dead_worker_id())

    call_command("tasks_recover")

    out = capsys.readouterr().out
    assert "tasks: 1 put back" in out
    assert "outbox: 0 put back" in out


def test_admins_see_the_live_workers_in_the_django_admin(client, admin):
    worker_heartbeat(worker_id="box:31:abcdefgh")
    client.force_login(admin)

    page = client.get("/admin/core/workerheartbeat/")

    assert page.status_code == 200
    assert "box:31:abcdefgh" in page.content.decode()
