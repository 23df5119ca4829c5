"""Running rules when a conversation changes.

The subscribers (registered in AutomationConfig.ready) run inside the publishing transaction
and only note the change: when rules listen to it, a run is registered for after the commit
(`transaction.on_commit`), in publishing order. The run reads the facts once, evaluates the
active rules in order and acts on the ones that match, each at most once per change (the trace
row is inserted first; the unique constraint refuses a second run).

Chains: a rule's actions change the conversation and publish events that may trigger rules
again. The depth and the rules of the chain travel in a context variable, read by the
subscribers while the actions run; at depth MAX_DEPTH, or when a rule would run a second time
in one chain, the rule is skipped ("loop cap") and the trace says so.
"""

import contextvars
import datetime as dt
import logging
from contextlib import ExitStack
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from carefront.automation.models import RuleRun, Trigger
from carefront.conversations import events as conversation_events
from carefront.conversations.models import (
    Conversation,
    ConversationEvent,
    Direction,
    EventKind,
    Message,
)
from carefront.core.events import subscribe

from .actions import Guard, perform
from .engine import CompiledRule, Context, active_rules, evaluate, matches, reads_message
from .prepared import Prepared, PreparedInsert

logger = logging.getLogger(__name__)

MAX_DEPTH = 5
# (depth, ids of the rules whose actions led here)
_chain: contextvars.ContextVar[tuple[int, tuple[int, ...]]] = contextvars.ContextVar(
    "automation_rule_chain", default=(0, ())
)


def trace_level() -> str:
    """Which rules that did not match leave a trace row: "near" (the default: near misses,
    see engine.matches: the rules an admin asks "why not?" about), "all", or "none" (matches
    and skips only). Tracing every rule would write a row per active rule per change."""
    level = settings.CAREFRONT.get("RULES_TRACE", "near")
    return level if level in ("near", "all", "none") else "near"


def run_change(
    *,
    trigger: str,
    conversation_id: int,
    change_key: str,
    message_id: int | None = None,
    rating: str | None = None,
    depth: int = 0,
    chain: tuple[int, ...] = (),
    rules: tuple[CompiledRule, ...] | None = None,
    now: dt.datetime | None = None,
) -> list[RuleRun]:
    """Evaluate the active rules of `trigger` (or `rules`) on one change and act on matches.
    Returns the trace rows written for rules that matched or were skipped."""
    rules = active_rules(trigger) if rules is None else rules
    if not rules:
        return []
    ctx = _context(trigger, conversation_id, message_id, rating, now, rules)
    if ctx is None:
        return []
    guard = Guard(ctx)
    level = trace_level()
    written: list[RuleRun] = []
    not_matched: list[RuleRun] = []
    # A transaction only once there is something to write: most changes match nothing.
    with ExitStack() as stack:
        in_transaction = False

        def begin() -> None:
            nonlocal in_transaction
            if not in_transaction:
                stack.enter_context(transaction.atomic())
                in_transaction = True

        for rule in rules:
            if depth >= MAX_DEPTH or rule.id in chain:
                reason = (
                    _("loop cap: the rule already ran in this chain of changes")
                    if rule.id in chain
                    else _("loop cap: %(n)s rules in a row triggered each other") % {"n": depth}
                )
                begin()
                run = _insert(
                    RuleRun(
                        **_base(rule, ctx, trigger, change_key, depth),
                        outcome=RuleRun.Outcome.SKIPPED,
                        skip_reason=reason,
                    )
                )
                if run is not None:
                    written.append(run)
                continue
            matched, held = matches(rule, ctx)
            if not matched:
                if level == "all" or (level == "near" and held):
                    reasons = evaluate(rule, ctx)[1]
                    not_matched.append(
                        RuleRun(
                            **_base(rule, ctx, trigger, change_key, depth),
                            outcome=RuleRun.Outcome.NOT_MATCHED,
                            reasons=reasons,
                        )
                    )
                continue
            begin()
            reasons = evaluate(rule, ctx)[1]
            run = _insert(
                RuleRun(
                    **_base(rule, ctx, trigger, change_key, depth),
                    outcome=RuleRun.Outcome.MATCHED,
                    reasons=reasons,
                )
            )
            if run is None:
                continue  # this rule already ran for this change
            token = _chain.set((depth + 1, (*chain, rule.id)))
            try:
                run.done = [
                    perform(action=a, rule=rule, ctx=ctx, change_key=change_key, guard=guard)
                    for a in rule.actions
                ]
            finally:
                _chain.reset(token)
            run.save(update_fields=["done"])
            written.append(run)
        if not_matched:
            _TRACE.insert(not_matched)
    return written


# The reads of every change, their SQL built once (prepared.py).
_CONVERSATION = Prepared(
    lambda pk: Conversation.objects.select_related("inbox", "customer").filter(pk=pk)
)
_MESSAGE = Prepared(
    lambda conversation_id, pk: Message.objects.select_related(
        "conversation__inbox", "conversation__customer"
    ).filter(conversation_id=conversation_id, pk=pk)
)
_LATEST_INCOMING = Prepared(
    lambda conversation_id: (
        Message.objects.select_related("conversation__inbox", "conversation__customer")
        .filter(conversation_id=conversation_id, direction=Direction.INCOMING)
        .order_by("-created_at", "-id")
    )
)


_TRACE = PreparedInsert(RuleRun)


def _context(
    trigger: str,
    conversation_id: int,
    message_id: int | None,
    rating: str | None,
    now: dt.datetime | None,
    rules: tuple[CompiledRule, ...],
) -> Context | None:
    """The change's facts. One query when the rules read the message (the message with its
    conversation, inbox and customer; with no message id, the conversation's latest incoming
    message, which is what message_text means then), else one for the conversation."""
    if reads_message(rules):
        if message_id is not None:
            message = _MESSAGE.first(conversation_id, message_id)
            if message is not None:
                return Context(
                    message.conversation, trigger=trigger, message=message, rating=rating, now=now
                )
        else:
            latest = _LATEST_INCOMING.first(conversation_id)
            if latest is not None:
                return Context(
                    latest.conversation,
                    trigger=trigger,
                    rating=rating,
                    now=now,
                    preloaded={"message_text": latest.reply_text or latest.body_text or ""},
                )
    conversation = _CONVERSATION.first(conversation_id)
    if conversation is None:
        return None
    return Context(conversation, trigger=trigger, message_id=message_id, rating=rating, now=now)


def _base(rule: CompiledRule, ctx: Context, trigger: str, change_key: str, depth: int) -> dict:
    return {
        "conversation_id": ctx.conversation.pk,
        "rule_id": rule.id,
        "rule_name": rule.name[:120],
        "trigger": trigger,
        "change_key": change_key[:64],
        "depth": depth,
    }


def _insert(run: RuleRun) -> RuleRun | None:
    """Insert the trace row; None when this rule already ran for this change."""
    try:
        with transaction.atomic():
            run.save(force_insert=True)
    except IntegrityError:
        return None
    return run


# -- subscribers ---------------------------------------------------------------------------------


def _schedule(
    trigger: str,
    conversation_id: int,
    change_key: str,
    *,
    message_id: int | None = None,
    rating: str | None = None,
) -> None:
    """In the publisher's transaction: register a run for after commit when rules listen."""
    if not active_rules(trigger):
        return
    depth, chain = _chain.get()
    transaction.on_commit(
        partial(
            _run_logged,
            trigger=trigger,
            conversation_id=conversation_id,
            change_key=change_key,
            message_id=message_id,
            rating=rating,
            depth=depth,
            chain=chain,
        ),
        robust=True,
    )


def _run_logged(**kwargs) -> None:
    try:
        run_change(**kwargs)
    except Exception:
        logger.exception("Rules failed on %s", kwargs)


def _timeline_key(prefix: str, conversation_id: int, kind: str) -> str:
    """The change's timeline row names it (the event itself carries no id)."""
    row = (
        ConversationEvent.objects.filter(conversation_id=conversation_id, kind=kind)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    return f"{prefix}:{row}"


def on_conversation_created(event: conversation_events.ConversationCreated) -> None:
    # The customer's first message is the conversation's latest incoming one (read if a rule
    # asks): no query here.
    _schedule(Trigger.CONVERSATION_CREATED, event.conversation_id, "created")


def on_message_received(event: conversation_events.MessageReceived) -> None:
    _schedule(
        Trigger.CUSTOMER_MESSAGE,
        event.conversation_id,
        f"message:{event.message_id}",
        message_id=event.message_id,
    )


def on_message_sent(event: conversation_events.MessageSent) -> None:
    _schedule(
        Trigger.AGENT_REPLY,
        event.conversation_id,
        f"message:{event.message_id}",
        message_id=event.message_id,
    )


def _on_timeline_change(trigger: str, prefix: str, kind: str, conversation_id: int) -> None:
    if not active_rules(trigger):
        return
    _schedule(trigger, conversation_id, _timeline_key(prefix, conversation_id, kind))


def on_status_changed(event: conversation_events.ConversationStatusChanged) -> None:
    _on_timeline_change(
        Trigger.STATUS_CHANGED, "status", EventKind.STATUS_CHANGED, event.conversation_id
    )


def on_assigned(event: conversation_events.ConversationAssigned) -> None:
    _on_timeline_change(
        Trigger.ASSIGNEE_CHANGED, "assign", EventKind.ASSIGNED, event.conversation_id
    )


def on_priority_changed(event: conversation_events.ConversationPriorityChanged) -> None:
    _on_timeline_change(
        Trigger.PRIORITY_CHANGED, "priority", EventKind.PRIORITY_CHANGED, event.conversation_id
    )


def on_tags_changed(event: conversation_events.ConversationTagsChanged) -> None:
    _on_timeline_change(Trigger.TAGS_CHANGED, "tags", EventKind.TAGGED, event.conversation_id)


def on_rating_received(event) -> None:
    _schedule(
        Trigger.RATING_RECEIVED,
        event.conversation_id,
        f"rating:{event.rating_id}:{event.score}",
        rating=event.score,
    )


def on_sla_at_risk(event) -> None:
    _schedule(Trigger.SLA_AT_RISK, event.conversation_id, f"sla:{event.target_id}:at_risk")


def on_sla_breached(event) -> None:
    _schedule(Trigger.SLA_BREACHED, event.conversation_id, f"sla:{event.target_id}:breach")


def connect() -> None:
    from carefront.feedback import events as feedback_events
    from carefront.sla import events as sla_events

    from . import timers

    for event_type, handler in (
        (conversation_events.ConversationCreated, on_conversation_created),
        (conversation_events.MessageReceived, on_message_received),
        (conversation_events.MessageSent, on_message_sent),
        (conversation_events.ConversationStatusChanged, on_status_changed),
        (conversation_events.ConversationAssigned, on_assigned),
        (conversation_events.ConversationPriorityChanged, on_priority_changed),
        (conversation_events.ConversationTagsChanged, on_tags_changed),
        (feedback_events.RatingReceived, on_rating_received),
        (sla_events.SlaTargetAtRisk, on_sla_at_risk),
        (sla_events.SlaTargetBreached, on_sla_breached),
    ):
        subscribe(event_type, handler, in_transaction=True)
    timers.connect()
