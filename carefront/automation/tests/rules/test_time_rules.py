"""Time rules, with frozen time and the real database queue (django-tasks-db, as in
production): "pending for 3 business days → remind the customer; after 7 → solve"."""

import datetime as dt

import pytest
from django.test import override_settings
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from carefront.automation.models import RuleRun
from carefront.automation.rules.services import rule_set_active
from carefront.automation.rules.timers import rule_time_due
from carefront.automation.services import saved_reply_create
from carefront.conversations.models import Message
from carefront.conversations.services import conversation_set_status
from carefront.conversations.tests.factories import conversation_for, receive
from carefront.sla.services.calendars import business_calendar_create, parse_weekly_hours

from .conftest import START

pytestmark = pytest.mark.django_db(transaction=True)
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
TIMER = "carefront.automation.tasks.rule_time_due_task"
BUSINESS_DAY = 8 * 60  # minutes in a day of 09:00-17:00


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


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in March 2026 (UTC); the 2nd is a Monday."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def office_hours(admin, inbox):
    return business_calendar_create(
        actor=admin,
        name="Office",
        time_zone="UTC",
        hours=parse_weekly_hours("Mon-Fri 09:00-17:00"),
        inboxes=[inbox],
    )


@pytest.fixture
def pending_rules(admin, make_rule, office_hours):
    reminder = saved_reply_create(
        actor=admin, title="Still there?", body="Hi {{ customer.first_name }}, any news?"
    )
    pending = {"all": [{"field": "status", "op": "is", "value": "pending"}]}
    remind = make_rule(
        name="Remind after 3 days",
        trigger="time",
        time_anchor="status_changed",
        delay_minutes=3 * BUSINESS_DAY,
        conditions=pending,
        actions=[{"type": "send_saved_reply", "params": {"saved_reply_id": reminder.pk}}],
    )
    solve = make_rule(
        name="Solve after 7 days",
        trigger="time",
        time_anchor="status_changed",
        delay_minutes=7 * BUSINESS_DAY,
        conditions=pending,
        actions=[{"type": "set_status", "params": {"status": "solved"}}],
    )
    return remind, solve


def reminders(conversation) -> list[str]:
    return list(
        Message.objects.filter(conversation=conversation, direction="outgoing").values_list(
            "body_text", flat=True
        )
    )


@override_settings(TASKS=DATABASE_QUEUE)
def test_pending_for_3_business_days_reminds_and_after_7_solves(inbox, agent, pending_rules, clock):
    remind, solve = pending_rules
    clock.now = at(2, 9, 30)
    conversation = conversation_for(inbox, from_name="Ada Lovelace")
    clock.now = at(2, 10)
    conversation_set_status(conversation=conversation, status="pending", actor=agent)
    timers = DBTaskResult.objects.filter(task_path=TIMER).order_by("run_after")
    # Creation timed both rules from 09:30; the status change times them again from 10:00:
    # Monday 10:00 + 24 business hours = Thursday 10:00; + 56 = next Wednesday 10:00. The
    # first two will find that their anchor moved.
    assert list(timers.values_list("run_after", flat=True)) == [
        at(5, 9, 30),
        at(5, 10),
        at(11, 9, 30),
        at(11, 10),
    ]

    clock.now = at(5, 9, 59)
    run_worker()
    assert reminders(conversation) == []
    assert not RuleRun.objects.exists()  # the 09:30 timer was stale

    clock.now = at(5, 10)
    run_worker()
    assert reminders(conversation) == ["Hi Ada, any news?"]
    conversation.refresh_from_db()
    assert conversation.status == "pending"

    clock.now = at(11, 10)
    run_worker()
    conversation.refresh_from_db()
    assert conversation.status == "solved"
    assert reminders(conversation) == ["Hi Ada, any news?"]  # once
    assert list(
        RuleRun.objects.filter(conversation=conversation).values_list("rule_name", "outcome")
    ) == [("Remind after 3 days", "matched"), ("Solve after 7 days", "matched")]
    run = RuleRun.objects.get(rule=remind)
    assert run.change_key == f"time:{remind.pk}:{int(at(2, 10).timestamp())}"

    # A timer that runs again (a retried task) acts no more.
    clock.now = at(20, 10)
    for rule in (remind, solve):
        rule_time_due(rule_id=rule.pk, conversation_id=conversation.pk, anchor=at(2, 10))
    assert reminders(conversation) == ["Hi Ada, any news?"]


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_customer_answer_moves_the_anchor_and_nothing_fires(inbox, agent, pending_rules, clock):
    first = receive(inbox)
    conversation = first.conversation
    conversation_set_status(conversation=conversation, status="pending", actor=agent)
    clock.now = at(3, 12)
    receive(
        inbox,
        from_address=first.message.from_address,
        in_reply_to=[first.message.message_id],
        subject="Re: news",
    )
    conversation.refresh_from_db()
    assert conversation.status == "open"
    clock.now = at(20, 10)
    run_worker()
    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert reminders(conversation) == []
    # The old timers found their anchor moved; the new ones found the conditions false.
    outcomes = set(RuleRun.objects.values_list("outcome", flat=True))
    assert outcomes <= {"not_matched"}


@override_settings(TASKS=DATABASE_QUEUE)
def test_turning_a_time_rule_on_times_the_conversations_already_there(
    inbox, agent, admin, make_rule, clock
):
    conversation = conversation_for(inbox)
    conversation_set_status(conversation=conversation, status="pending", actor=agent)
    rule = make_rule(
        name="Tag old pending",
        trigger="time",
        time_anchor="status_changed",
        delay_minutes=60,
        in_business_hours=False,
        conditions={"all": [{"field": "status", "op": "is", "value": "pending"}]},
        actions=[{"type": "add_tags", "params": {"tags": ["stale"]}}],
        is_active=False,
    )
    assert not DBTaskResult.objects.filter(task_path=TIMER).exists()
    rule_set_active(actor=admin, rule=rule, active=True)
    run_worker()  # the batch task, which enqueues the timers
    timers = DBTaskResult.objects.filter(task_path=TIMER)
    assert list(timers.values_list("run_after", flat=True)) == [START + dt.timedelta(hours=1)]
    clock.advance(hours=1)
    run_worker()
    assert list(conversation.tags.values_list("name", flat=True)) == ["stale"]
