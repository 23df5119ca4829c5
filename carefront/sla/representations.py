"""SLA targets as plain dicts: the one shape the REST API (a conversation's `sla` block) and the
webhooks (`sla.at_risk`, `sla.breached`, `sla.met`) send. Works on rows already loaded; the
calendars come from the cached directory, so a page of conversations costs one query."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from carefront.conversations.models import Conversation

from .models import SlaTarget, TargetState
from .selectors import CalendarDirectory, calendar_directory
from .services.targets import US, breached_by_seconds, schedule_for_basis, spent_us_at


def target_repr(
    target: SlaTarget,
    *,
    inbox_id: int,
    team_id: int | None,
    now: dt.datetime,
    directory: CalendarDirectory,
) -> dict:
    """`elapsed_seconds`: the time taken (met), or used so far (running, paused), in the
    target's basis; `breached_by_seconds`: how far past the target it went (None: within)."""
    if target.state == TargetState.MET:
        elapsed = target.elapsed_seconds
    else:
        schedule = schedule_for_basis(
            directory, basis=target.basis, inbox_id=inbox_id, team_id=team_id
        )
        elapsed = spent_us_at(target, schedule, now) // US
    return {
        "id": target.pk,
        "kind": target.kind,
        "state": target.state,
        "basis": target.basis,
        "target_seconds": target.target_seconds,
        "policy_id": target.policy_id,
        "started_at": target.started_at,
        "due_at": target.due_at,
        "at_risk_at": target.at_risk_at,
        "met_at": target.met_at,
        "breached_at": target.breached_at,
        "elapsed_seconds": elapsed,
        "breached_by_seconds": breached_by_seconds(target, spent_seconds=elapsed),
    }


def sla_state(conversation: Conversation, now: dt.datetime) -> str:
    """ "none", "ok", "at_risk" or "breached", from the conversation's summary fields."""
    due, risk = conversation.sla_due_at, conversation.sla_at_risk_at
    if due is None:
        return "none"
    if due <= now:
        return "breached"
    if risk is not None and risk <= now:
        return "at_risk"
    return "ok"


def targets_by_conversation(conversation_ids: Iterable[int]) -> dict[int, list[SlaTarget]]:
    """Every target (but cancelled ones) of these conversations, oldest first: one query."""
    ids = list(conversation_ids)
    grouped: dict[int, list[SlaTarget]] = defaultdict(list)
    if not ids:
        return grouped
    for target in (
        SlaTarget.objects.filter(conversation_id__in=ids)
        .exclude(state=TargetState.CANCELLED)
        .order_by("conversation_id", "started_at", "id")
    ):
        grouped[target.conversation_id].append(target)
    return grouped


def sla_blocks(conversations: list[Conversation]) -> dict[int, dict]:
    """The `sla` block of each conversation, by id: its next due time, its state and targets."""
    now = timezone.now()
    directory = calendar_directory()
    targets = targets_by_conversation(c.pk for c in conversations)
    return {
        c.pk: {
            "state": sla_state(c, now),
            "due_at": c.sla_due_at,
            "at_risk_at": c.sla_at_risk_at,
            "targets": [
                target_repr(t, inbox_id=c.inbox_id, team_id=c.team_id, now=now, directory=directory)
                for t in targets.get(c.pk, [])
            ],
        }
        for c in conversations
    }
