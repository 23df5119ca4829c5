"""The dry run: which of the latest conversations a rule would match now, and why, without
acting. Facts are read for all of them at once (a constant number of queries)."""

from dataclasses import dataclass, field

from django.db.models import Max, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from carefront.automation.models import Rule
from carefront.conversations.models import Conversation, Direction, Message, Tag

from .engine import Context, compile_rule, evaluate
from .validation import rule_clean

MAX_CONVERSATIONS = 1000
MAX_SAMPLES = 50


@dataclass
class DryRun:
    checked: int
    matched: list[int] = field(default_factory=list)  # conversation ids, newest first
    # (conversation id, reasons) of the first matches, for showing why.
    samples: list[tuple[int, list[dict]]] = field(default_factory=list)


def _fields(rule: Rule) -> set[str]:
    conditions = rule.conditions or {}
    return {c.get("field") for group in ("all", "any") for c in conditions.get(group) or ()}


def rule_dry_run(*, rule: Rule, limit: int = MAX_CONVERSATIONS) -> DryRun:
    """Check `rule` (saved or not; its fields are validated: RuleInvalid) against the latest
    `limit` conversations (at most 1,000). Nothing is written and no action runs."""
    clean = rule_clean(
        name=rule.name or "dry run",
        trigger=rule.trigger,
        conditions=rule.conditions,
        actions=rule.actions or [{"type": "add_note", "params": {"body": "-"}}],
        description=rule.description,
        time_anchor=rule.time_anchor,
        delay_minutes=rule.delay_minutes,
        in_business_hours=rule.in_business_hours,
    )
    probe = Rule(pk=rule.pk, **clean)
    compiled = compile_rule(probe)
    used = _fields(probe)
    limit = max(1, min(int(limit), MAX_CONVERSATIONS))
    now = timezone.now()

    conversations = Conversation.objects.select_related("inbox", "customer").order_by("-id")
    if used & {"hours_since_customer_message", "hours_since_agent_reply"}:
        conversations = conversations.annotate(
            last_customer_at=Max("messages__created_at", filter=Q(messages__direction="incoming")),
            last_agent_at=Max(
                "messages__created_at",
                filter=Q(messages__direction="outgoing", messages__author__isnull=False),
            ),
        )
    if "message_text" in used:
        latest = Message.objects.filter(
            conversation=OuterRef("pk"), direction=Direction.INCOMING
        ).order_by("-created_at", "-id")
        conversations = conversations.annotate(
            latest_reply_text=Subquery(latest.values("reply_text")[:1]),
            latest_body_text=Subquery(latest.values("body_text")[:1]),
        )
    if "rating" in used:
        from carefront.feedback.models import Rating

        conversations = conversations.annotate(
            latest_rating=Subquery(
                Rating.objects.filter(conversation=OuterRef("pk"))
                .order_by("-id")
                .values("score")[:1]
            )
        )
    if used & {"language", "sentiment", "urgency", "intent", "intent_confidence"}:
        conversations = conversations.select_related("triage")
    if "tags" in used:
        conversations = conversations.prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("id", "name"))
        )

    result = DryRun(checked=0)
    for conversation in conversations[:limit]:
        result.checked += 1
        preloaded: dict = {}
        if "tags" in used:
            preloaded["tags"] = frozenset(t.name for t in conversation.tags.all())
        if used & {"language", "sentiment", "urgency", "intent", "intent_confidence"}:
            try:
                preloaded["triage"] = conversation.triage
            except Conversation.triage.RelatedObjectDoesNotExist:
                preloaded["triage"] = None
        if hasattr(conversation, "last_customer_at"):
            preloaded["last_times"] = {
                "customer": conversation.last_customer_at,
                "agent": conversation.last_agent_at,
            }
        if hasattr(conversation, "latest_reply_text"):
            preloaded["message_text"] = (
                conversation.latest_reply_text or conversation.latest_body_text or ""
            )
        ctx = Context(
            conversation,
            trigger=probe.trigger,
            rating=getattr(conversation, "latest_rating", None),
            now=now,
            preloaded=preloaded,
        )
        matched, reasons = evaluate(compiled, ctx)
        if matched:
            result.matched.append(conversation.pk)
            if len(result.samples) < MAX_SAMPLES:
                result.samples.append((conversation.pk, reasons))
    return result
