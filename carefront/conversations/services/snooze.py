"""Snooze: set a conversation aside until a time, and wake it when that time comes.

A snooze is a timer, not a scan: each snooze enqueues one task with `run_after` at its time
(django-tasks-db keeps it in the database, in the same transaction as the snooze, so a worker
that was down runs it when it starts again). The task re-checks: a conversation snoozed again
for another time, woken by the customer or by an agent, is left alone.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput

from .. import events
from ..models import Conversation, EventKind, Status

logger = logging.getLogger(__name__)

# A snooze is for days or weeks; a year out is a typo (2062 for 2026).
MAX_SNOOZE = dt.timedelta(days=366)


def _check_until(until: dt.datetime, now: dt.datetime) -> dt.datetime:
    if not isinstance(until, dt.datetime) or timezone.is_naive(until):
        raise InvalidInput(_("Give the snooze time with its time zone."))
    until = until.astimezone(dt.UTC).replace(microsecond=0)
    if until <= now:
        raise InvalidInput(_("The snooze time must be in the future."))
    if until > now + MAX_SNOOZE:
        raise InvalidInput(_("A conversation can be snoozed for at most a year."))
    return until


@transaction.atomic
def conversation_snooze(
    *,
    conversation: Conversation,
    until: dt.datetime,
    actor: Agent | None,
    now: dt.datetime | None = None,
) -> Conversation:
    """Set the conversation aside until `until` (aware, in the future, within a year): status
    "snoozed", out of the open and "mine" folders, SLA clocks paused. Snoozing a snoozed
    conversation moves its time. It comes back open when the time comes (a task), when the
    customer writes, or when an agent wakes it or sets another status."""
    now = now or timezone.now()
    until = _check_until(until, now)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    old = conversation.status
    if old == Status.SNOOZED and conversation.snoozed_until == until:
        return conversation
    conversation.status = Status.SNOOZED
    conversation.snoozed_until = until
    conversation.save(update_fields=["status", "snoozed_until", "updated_at"])
    events.record(
        conversation=conversation,
        kind=EventKind.STATUS_CHANGED,
        actor_id=actor.pk if actor else None,
        old=old,
        new=Status.SNOOZED,
        until=until.isoformat(),
    )
    _schedule_wake(conversation.pk, until, now=now)
    if old != Status.SNOOZED:
        publish(
            events.ConversationStatusChanged(
                conversation_id=conversation.pk, old_status=old, new_status=Status.SNOOZED
            )
        )
    publish(
        events.ConversationSnoozed(
            conversation_id=conversation.pk, until=until, actor_id=actor.pk if actor else None
        )
    )
    return conversation


def _schedule_wake(conversation_id: int, until: dt.datetime, *, now: dt.datetime) -> None:
    """The wake-up task, written by the database queue in the caller's transaction: it exists
    if and only if the snooze committed. A backend without deferred tasks (the immediate one
    of unit tests) gets none; nothing wakes the conversation but the customer or an agent."""
    from ..tasks import conversation_wake_task

    if not conversation_wake_task.get_backend().supports_defer:
        logger.warning(
            "The task backend cannot run tasks later: conversation %s will not wake by itself",
            conversation_id,
        )
        return
    conversation_wake_task.using(run_after=until).enqueue(conversation_id, until.isoformat())


@transaction.atomic
def conversation_wake(
    *,
    conversation: Conversation,
    actor: Agent | None,
    scheduled_for: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Conversation:
    """Open a snoozed conversation again. `scheduled_for`: the timer of the snooze that ends
    at that time is calling: it does nothing unless the conversation is still snoozed until
    exactly then and that time has come. A conversation that is not snoozed is left as it is.
    """
    now = now or timezone.now()
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status != Status.SNOOZED:
        return conversation
    if scheduled_for is not None and (
        conversation.snoozed_until != scheduled_for or scheduled_for > now
    ):
        return conversation
    conversation.status = Status.OPEN
    conversation.snoozed_until = None
    conversation.save(update_fields=["status", "snoozed_until", "updated_at"])
    reason = "due" if actor is None else "agent"
    events.record(
        conversation=conversation,
        kind=EventKind.STATUS_CHANGED,
        actor_id=actor.pk if actor else None,
        old=Status.SNOOZED,
        new=Status.OPEN,
        reason="snooze ended" if actor is None else "woken",
    )
    publish(
        events.ConversationStatusChanged(
            conversation_id=conversation.pk, old_status=Status.SNOOZED, new_status=Status.OPEN
        )
    )
    publish(events.ConversationWoken(conversation_id=conversation.pk, reason=reason))
    return conversation


def conversation_wake_due(*, conversation_id: int, scheduled_for: dt.datetime) -> str:
    """The snooze timer's work (`conversation_wake_task`). Returns what it did."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return "missing"
    if conversation.status != Status.SNOOZED or conversation.snoozed_until != scheduled_for:
        return "unchanged"  # woken meanwhile, or snoozed again for another time
    woken = conversation_wake(conversation=conversation, actor=None, scheduled_for=scheduled_for)
    return "woken" if woken.status == Status.OPEN else "unchanged"
