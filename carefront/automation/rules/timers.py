"""Time rules: "pending for 3 business days → remind the customer", "after 7 → solve".

Timers, not scans: when a conversation's anchor moves (its status changed, a customer message,
an agent reply, its creation), one task per time rule of that anchor is enqueued with
`run_after` at the due moment (anchor + delay, in the conversation's business hours when the
rule counts business hours: the sla app's calendars). At the due moment the task re-checks:
the rule still active, the anchor unchanged (else a newer timer exists), the conditions true
now; the rule then fires once for that anchor (change key "time:<rule>:<anchor>").
Turning a time rule on enqueues timers for the conversations already there, in batches.
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from carefront.automation.models import TimeAnchor, Trigger
from carefront.conversations import events as conversation_events
from carefront.conversations.models import (
    Conversation,
    ConversationEvent,
    Direction,
    EventKind,
    Message,
    Status,
)
from carefront.core.events import subscribe

from .engine import CompiledRule, active_rule, active_rules

logger = logging.getLogger(__name__)
BACKFILL_BATCH = 500


# -- when ---------------------------------------------------------------------------------------


def anchor_of(conversation: Conversation, anchor: str) -> dt.datetime | None:
    """The moment the rule's time counts from, as the conversation is now."""
    if anchor == TimeAnchor.CREATED:
        return conversation.created_at
    if anchor == TimeAnchor.STATUS_CHANGED:
        changed = (
            ConversationEvent.objects.filter(
                conversation_id=conversation.pk, kind=EventKind.STATUS_CHANGED
            )
            .order_by("-created_at", "-id")
            .values_list("created_at", flat=True)
            .first()
        )
        return changed or conversation.created_at
    messages = Message.objects.filter(conversation_id=conversation.pk)
    if anchor == TimeAnchor.CUSTOMER_MESSAGE:
        messages = messages.filter(direction=Direction.INCOMING)
    elif anchor == TimeAnchor.AGENT_REPLY:
        messages = messages.filter(direction=Direction.OUTGOING, author__isnull=False)
    else:
        return None
    return messages.aggregate(at=Max("created_at"))["at"]


def due_at(
    rule: CompiledRule, conversation: Conversation, anchor: dt.datetime
) -> dt.datetime | None:
    """anchor + delay; counted in the conversation's business hours when the rule says so and a
    calendar applies (its inbox's, else its team's); None if that calendar never opens."""
    from carefront.sla.business_time import NeverOpen, add_business_time
    from carefront.sla.selectors import calendar_directory

    delay = dt.timedelta(minutes=rule.delay_minutes or 0)
    if rule.in_business_hours:
        schedule = calendar_directory().schedule_for(
            inbox_id=conversation.inbox_id, team_id=conversation.team_id
        )
        if schedule is not None:
            try:
                return add_business_time(schedule, anchor, delay)
            except NeverOpen:
                return None
    return anchor + delay


# -- scheduling ---------------------------------------------------------------------------------


def _enqueue(rule_id: int, conversation_id: int, anchor: dt.datetime, due: dt.datetime) -> None:
    from carefront.automation.tasks import rule_time_due_task

    args = (rule_id, conversation_id, anchor.isoformat())
    backend = rule_time_due_task.get_backend()
    if due <= timezone.now():
        transaction.on_commit(lambda: rule_time_due_task.enqueue(*args), robust=True)
    elif backend.supports_defer:
        # With the database queue, written in the change's transaction: the timer exists if
        # and only if the change committed.
        rule_time_due_task.using(run_after=due).enqueue(*args)
    else:
        logger.warning("The task backend cannot run tasks later: time rule %s not timed", rule_id)


def rule_timers_schedule(*, conversation: Conversation, anchors: set[str]) -> int:
    """The conversation's anchors in `anchors` moved: a timer for each active time rule
    counting from one of them. Returns how many."""
    rules = [r for r in active_rules(Trigger.TIME) if r.time_anchor in anchors]
    if not rules:
        return 0
    moments: dict[str, dt.datetime | None] = {}
    count = 0
    for rule in rules:
        if rule.time_anchor not in moments:
            moments[rule.time_anchor] = anchor_of(conversation, rule.time_anchor)
        anchor = moments[rule.time_anchor]
        if anchor is None:
            continue
        due = due_at(rule, conversation, anchor)
        if due is None:
            continue
        _enqueue(rule.id, conversation.pk, anchor, due)
        count += 1
    return count


def _anchors_moved(conversation_id: int, anchors: set[str]) -> None:
    if not any(r.time_anchor in anchors for r in active_rules(Trigger.TIME)):
        return
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is not None:
        rule_timers_schedule(conversation=conversation, anchors=anchors)


def on_conversation_created(event: conversation_events.ConversationCreated) -> None:
    _anchors_moved(event.conversation_id, {TimeAnchor.CREATED, TimeAnchor.STATUS_CHANGED})


def on_message_received(event: conversation_events.MessageReceived) -> None:
    anchors = {TimeAnchor.CUSTOMER_MESSAGE}
    if event.reopened:
        anchors.add(TimeAnchor.STATUS_CHANGED)
    _anchors_moved(event.conversation_id, anchors)


def on_message_sent(event: conversation_events.MessageSent) -> None:
    _anchors_moved(event.conversation_id, {TimeAnchor.AGENT_REPLY})


def on_status_changed(event: conversation_events.ConversationStatusChanged) -> None:
    _anchors_moved(event.conversation_id, {TimeAnchor.STATUS_CHANGED})


def connect() -> None:
    for event_type, handler in (
        (conversation_events.ConversationCreated, on_conversation_created),
        (conversation_events.MessageReceived, on_message_received),
        (conversation_events.MessageSent, on_message_sent),
        (conversation_events.ConversationStatusChanged, on_status_changed),
    ):
        subscribe(event_type, handler, in_transaction=True)


# -- firing -------------------------------------------------------------------------------------


def rule_time_due(
    *, rule_id: int, conversation_id: int, anchor: dt.datetime, now: dt.datetime | None = None
) -> str:
    """A timer's moment came. Returns what happened: "fired" (the rule ran: matched or not,
    see the trace), "inactive", "gone", "stale" (the anchor moved: a newer timer exists),
    "early" (set again for later: a calendar changed), "never" (the calendar never opens)."""
    from .runner import run_change

    now = now or timezone.now()
    rule = active_rule(rule_id)
    if rule is None:
        return "inactive"
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return "gone"
    current = anchor_of(conversation, rule.time_anchor)
    if current is None or abs((current - anchor).total_seconds()) >= 1:
        return "stale"
    due = due_at(rule, conversation, anchor)
    if due is None:
        return "never"
    if due > now + dt.timedelta(seconds=1):
        _enqueue(rule.id, conversation.pk, anchor, due)
        return "early"
    run_change(
        trigger=Trigger.TIME,
        conversation_id=conversation_id,
        change_key=f"time:{rule.id}:{int(anchor.timestamp())}",
        rules=(rule,),
        now=now,
    )
    return "fired"


# -- turning a time rule on -----------------------------------------------------------------------


def rule_time_backfill_enqueue(*, rule_id: int) -> None:
    from carefront.automation.tasks import rule_time_backfill_task

    try:
        rule_time_backfill_task.enqueue(rule_id, 0)
    except Exception:
        logger.exception("Could not enqueue the timers of time rule %s", rule_id)


def rule_time_backfill(*, rule_id: int, after_id: int = 0) -> int:
    """Timers for one batch of the conversations (not closed) after `after_id`; enqueues the
    next batch. Returns how many timers were set."""
    from carefront.automation.tasks import rule_time_backfill_task

    rule = active_rule(rule_id)
    if rule is None:
        return 0
    batch = list(
        Conversation.objects.filter(pk__gt=after_id)
        .exclude(status=Status.CLOSED)
        .order_by("pk")
        .annotate(**_anchor_annotation(rule.time_anchor))[:BACKFILL_BATCH]
    )
    count = 0
    with transaction.atomic():
        for conversation in batch:
            anchor = getattr(conversation, "rule_anchor", None)
            if rule.time_anchor == TimeAnchor.CREATED:
                anchor = conversation.created_at
            elif rule.time_anchor == TimeAnchor.STATUS_CHANGED:
                anchor = anchor or conversation.created_at
            if anchor is None:
                continue
            due = due_at(rule, conversation, anchor)
            if due is None:
                continue
            _enqueue(rule.id, conversation.pk, anchor, due)
            count += 1
    if len(batch) == BACKFILL_BATCH:
        last = batch[-1].pk
        transaction.on_commit(lambda: rule_time_backfill_task.enqueue(rule_id, last), robust=True)
    return count


def _anchor_annotation(anchor: str) -> dict:
    if anchor == TimeAnchor.CREATED:
        return {}
    if anchor == TimeAnchor.STATUS_CHANGED:
        latest = ConversationEvent.objects.filter(
            conversation=OuterRef("pk"), kind=EventKind.STATUS_CHANGED
        ).order_by("-created_at", "-id")
        return {"rule_anchor": Subquery(latest.values("created_at")[:1])}
    if anchor == TimeAnchor.CUSTOMER_MESSAGE:
        return {
            "rule_anchor": Max("messages__created_at", filter=Q(messages__direction="incoming"))
        }
    return {
        "rule_anchor": Max(
            "messages__created_at",
            filter=Q(messages__direction="outgoing", messages__author__isnull=False),
        )
    }
