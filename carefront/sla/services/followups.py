"""Follow-up promises: make one, keep it (a reply in time, or "done"), cancel it, and the timer
that breaks it when its due time passes unkept.

Making a promise snoozes the conversation until the due time; when it comes, the conversation is
open again and assigned to the promise's owner (earlier if the customer writes). The due timer
is a task enqueued with `run_after` at the due time, in the same transaction as the promise
(django-tasks-db): it fires once, re-checks the promise and does nothing if it was kept or
cancelled meanwhile.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.conversations.models import Conversation, Direction, Message, Status
from carefront.conversations.selectors import agent_can_access_inbox
from carefront.conversations.services import (
    conversation_assign,
    conversation_snooze,
    conversation_wake,
)
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput, PermissionDenied

from .. import events
from ..models import FollowUp, FollowUpState

logger = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 2000
MAX_CUSTOMER_TEXT_LENGTH = 2000
MAX_AHEAD = dt.timedelta(days=366)


def _clean(text: str, *, limit: int, what: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if len(text) > limit:
        raise InvalidInput(
            _("The %(what)s is longer than %(limit)s characters.") % {"what": what, "limit": limit}
        )
    return text


@transaction.atomic
def followup_create(
    *,
    conversation: Conversation,
    owner: Agent,
    due_at: dt.datetime,
    actor: Agent,
    note: str = "",
    customer_text: str = "",
    now: dt.datetime | None = None,
) -> FollowUp:
    """Promise to come back to the customer by `due_at`, owned by `owner` (who must see the
    conversation's inbox). The conversation is snoozed until then, unless it is already snoozed
    until earlier (a plain snooze, or another open promise). A reply sent before the promise
    exists does not keep it: send the reply that announces the promise first."""
    now = now or timezone.now()
    if not isinstance(due_at, dt.datetime) or timezone.is_naive(due_at):
        raise InvalidInput(_("Give the follow-up time with its time zone."))
    due_at = due_at.astimezone(dt.UTC).replace(microsecond=0)
    if due_at <= now:
        raise InvalidInput(_("The follow-up time must be in the future."))
    if due_at > now + MAX_AHEAD:
        raise InvalidInput(_("A follow-up can be at most a year ahead."))
    if not owner.is_active:
        raise InvalidInput(_("%(name)s is deactivated.") % {"name": owner.name})
    if not agent_can_access_inbox(agent=owner, inbox_id=conversation.inbox_id):
        raise PermissionDenied(
            _("%(name)s cannot see the inbox of this conversation.") % {"name": owner.name}
        )
    note = _clean(note, limit=MAX_NOTE_LENGTH, what=_("note"))
    customer_text = _clean(
        customer_text, limit=MAX_CUSTOMER_TEXT_LENGTH, what=_("promise to the customer")
    )
    follow_up = FollowUp.objects.create(
        conversation=conversation,
        owner=owner,
        due_at=due_at,
        note=note,
        customer_text=customer_text,
        created_by=actor,
    )
    until = (
        FollowUp.objects.filter(conversation=conversation, state=FollowUpState.OPEN)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    ) or due_at
    current = (
        Conversation.objects.filter(pk=conversation.pk, status=Status.SNOOZED)
        .values_list("snoozed_until", flat=True)
        .first()
    )
    # Snoozed until earlier already (a plain snooze, another promise): that wake-up stands.
    if current is None or current > until:
        conversation_snooze(conversation=conversation, until=until, actor=actor, now=now)
    _schedule_due(follow_up)
    publish(
        events.FollowUpCreated(
            follow_up_id=follow_up.pk,
            conversation_id=conversation.pk,
            owner_id=owner.pk,
            due_at=due_at,
        )
    )
    return follow_up


def _schedule_due(follow_up: FollowUp) -> None:
    """The due timer, in the caller's transaction (see the module docstring)."""
    from ..tasks import followup_due_task

    if not followup_due_task.get_backend().supports_defer:
        logger.warning(
            "The task backend cannot run tasks later: follow-up %s has no due timer", follow_up.pk
        )
        return
    followup_due_task.using(run_after=follow_up.due_at).enqueue(follow_up.pk)


def _locked(follow_up_id: int) -> FollowUp:
    return FollowUp.objects.select_for_update().select_related("owner").get(pk=follow_up_id)


@transaction.atomic
def followup_complete(
    *, follow_up: FollowUp, actor: Agent, now: dt.datetime | None = None
) -> FollowUp:
    """The owner (or a colleague) says the promise is fulfilled. Kept if by the due time;
    after it, the promise stays broken (and leaves the list of outstanding ones)."""
    now = now or timezone.now()
    follow_up = _locked(follow_up.pk)
    if not follow_up.is_outstanding:
        raise InvalidInput(_("This follow-up is already %(state)s.") % {"state": _state(follow_up)})
    _fulfil(follow_up, when=now, message=None)
    return follow_up


def _state(follow_up: FollowUp) -> str:
    return str(follow_up.get_state_display()).lower()


def _fulfil(follow_up: FollowUp, *, when: dt.datetime, message: Message | None) -> None:
    follow_up.kept_at = when
    follow_up.kept_by_message = message
    update = ["kept_at", "kept_by_message", "updated_at"]
    if follow_up.state == FollowUpState.OPEN:
        if when > follow_up.due_at:
            # Its timer has not run yet (a worker behind): the promise was broken all the same.
            follow_up.broken_at = follow_up.due_at
            follow_up.state = FollowUpState.BROKEN
            update += ["state", "broken_at"]
            _publish_broken(follow_up)
        else:
            follow_up.state = FollowUpState.KEPT
            update.append("state")
    follow_up.save(update_fields=update)
    if follow_up.state == FollowUpState.KEPT:
        publish(
            events.FollowUpKept(
                follow_up_id=follow_up.pk,
                conversation_id=follow_up.conversation_id,
                owner_id=follow_up.owner_id,
                message_id=message.pk if message else None,
            )
        )


def _publish_broken(follow_up: FollowUp) -> None:
    publish(
        events.FollowUpBroken(
            follow_up_id=follow_up.pk,
            conversation_id=follow_up.conversation_id,
            owner_id=follow_up.owner_id,
            due_at=follow_up.due_at,
        )
    )


@transaction.atomic
def followup_cancel(
    *, follow_up: FollowUp, actor: Agent, now: dt.datetime | None = None
) -> FollowUp:
    """Withdraw a promise that is not yet kept (no longer needed, made by mistake). It counts
    neither as kept nor as broken, unless it was already broken (`broken_at` stays). The
    conversation's snooze is left as it is."""
    now = now or timezone.now()
    follow_up = _locked(follow_up.pk)
    if not follow_up.is_outstanding:
        raise InvalidInput(_("This follow-up is already %(state)s.") % {"state": _state(follow_up)})
    # A broken promise stays counted as broken (`broken_at`); it only leaves the owner's list.
    follow_up.state = FollowUpState.CANCELLED
    follow_up.cancelled_at = now
    follow_up.save(update_fields=["state", "cancelled_at", "updated_at"])
    return follow_up


def followup_due(*, follow_up_id: int, now: dt.datetime | None = None) -> str:
    """The due timer (`followup_due_task`): a promise still open at its due time is broken
    (published once), and its conversation comes back: woken if still snoozed until then,
    assigned to the owner. Returns the promise's state after."""
    now = now or timezone.now()
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().filter(pk=follow_up_id).first()
        if follow_up is None:
            return "missing"
        if follow_up.state != FollowUpState.OPEN or follow_up.due_at > now:
            return follow_up.state
        follow_up.state = FollowUpState.BROKEN
        follow_up.broken_at = now
        follow_up.save(update_fields=["state", "broken_at", "updated_at"])
        _publish_broken(follow_up)
        conversation = Conversation.objects.get(pk=follow_up.conversation_id)
        if conversation.snoozed_until is not None and conversation.snoozed_until <= now:
            conversation_wake(
                conversation=conversation,
                actor=None,
                scheduled_for=conversation.snoozed_until,
                now=now,
            )
        owner = Agent.objects.get(pk=follow_up.owner_id)
        if owner.is_active and agent_can_access_inbox(agent=owner, inbox_id=conversation.inbox_id):
            conversation_assign(conversation=conversation, assignee=owner, actor=None)
        else:
            logger.info(
                "Follow-up %s came due but %s can no longer take conversation %s",
                follow_up.pk,
                owner,
                conversation.pk,
            )
    return FollowUpState.BROKEN


def followups_keep_by_reply(*, conversation_id: int, message_id: int) -> int:
    """An agent's reply to the customer keeps the conversation's open promises made before it
    (those due by then; later ones were already broken and are now fulfilled late). Returns
    how many it fulfilled. Runs inside every reply's transaction: one query when the
    conversation has no outstanding promise (the usual case)."""
    outstanding = FollowUp.objects.filter(
        conversation_id=conversation_id,
        state__in=[FollowUpState.OPEN, FollowUpState.BROKEN],
        kept_at__isnull=True,
    )
    if not outstanding.exists():
        return 0
    message = (
        Message.objects.filter(pk=message_id, direction=Direction.OUTGOING)
        .only("pk", "created_at", "conversation_id")
        .first()
    )
    if message is None:
        return 0
    fulfilled = 0
    with transaction.atomic():
        waiting = (
            outstanding.select_for_update()
            .filter(created_at__lte=message.created_at)
            .order_by("id")
        )
        for follow_up in waiting:
            _fulfil(follow_up, when=message.created_at, message=message)
            fulfilled += 1
    return fulfilled
