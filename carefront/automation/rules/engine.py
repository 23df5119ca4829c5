"""Evaluating rules: the facts of one conversation change, read once and lazily (a fact no
rule asks for is never queried), and the active rules, compiled once per process and kept
until a rule changes (a generation number, carefront/core/generations.py).

Each condition yields a reason for the trace: {"field", "op", "value", "actual", "result"}.
ALL conditions stop at the first false one and ANY conditions at the first true one; the
conditions not looked at are recorded with "result": None.
"""

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db.models import Max, Q
from django.utils import timezone

from carefront.automation.models import Rule
from carefront.conversations.models import Conversation, Direction, Message, priority_name
from carefront.core.generations import Generation

from .catalogue import ACTIONS

RULES = Generation("automation-rules")


def rules_changed(**kwargs) -> None:
    """A signal receiver (Rule saved or deleted): the cached rules are rebuilt on next use."""
    RULES.changed()


# -- the facts ---------------------------------------------------------------------------------


class Context:
    """What rules may read about one conversation at one change. Built once per change and
    shared by every rule; each fact is read on first use. `message`: the message of the
    change (a customer message, an agent reply), if any. Facts may be given up front
    (`preloaded`) when many conversations are checked at once (the dry run)."""

    def __init__(
        self,
        conversation: Conversation,
        *,
        trigger: str,
        message: Message | None = None,
        message_id: int | None = None,
        rating: str | None = None,
        now: dt.datetime | None = None,
        preloaded: dict | None = None,
    ) -> None:
        self.conversation = conversation
        self.trigger = trigger
        if message is not None:
            self.__dict__["message"] = message
        self.message_id = message_id if message is None else message.pk
        self.rating = rating
        self._lowered: dict[str, str] = {}
        self.now = now or timezone.now()
        for name, value in (preloaded or {}).items():
            self.__dict__[name] = value

    def refresh(self) -> None:
        """An action changed the conversation: later rules see it as it is now."""
        fresh = (
            Conversation.objects.select_related("inbox", "customer")
            .filter(pk=self.conversation.pk)
            .first()
        )
        if fresh is not None:
            self.conversation = fresh
        for name in ("tags", "triage", "in_business_hours"):
            self.__dict__.pop(name, None)
        self._lowered.clear()

    def lowered(self, field_name: str) -> str:
        """A text fact in lower case, computed once per change."""
        try:
            return self._lowered[field_name]
        except KeyError:
            value = self._lowered[field_name] = _lower(FACTS[field_name](self))
            return value

    @cached_property
    def message(self) -> Message | None:
        """The message of the change (read when a rule first asks)."""
        if self.message_id is None:
            return None
        return Message.objects.filter(pk=self.message_id).first()

    @cached_property
    def tags(self) -> frozenset[str]:
        return frozenset(self.conversation.tags.values_list("name", flat=True))

    @cached_property
    def triage(self):
        from carefront.automation.models import ConversationTriage

        return ConversationTriage.objects.filter(conversation_id=self.conversation.pk).first()

    @cached_property
    def attributes(self) -> dict:
        attributes = self.conversation.customer.attributes
        return attributes if isinstance(attributes, dict) else {}

    @cached_property
    def in_business_hours(self) -> bool:
        from carefront.sla.business_time import is_open
        from carefront.sla.selectors import calendar_directory

        schedule = calendar_directory().schedule_for(
            inbox_id=self.conversation.inbox_id, team_id=self.conversation.team_id
        )
        return True if schedule is None else is_open(schedule, self.now)

    @cached_property
    def message_text(self) -> str:
        message = self.message
        if message is None or message.direction != Direction.INCOMING:
            message = (
                Message.objects.filter(
                    conversation_id=self.conversation.pk, direction=Direction.INCOMING
                )
                .order_by("-created_at", "-id")
                .only("reply_text", "body_text", "subject")
                .first()
            )
        if message is None:
            return ""
        return message.reply_text or message.body_text or ""

    @cached_property
    def sender_email(self) -> str:
        if self.message is not None and self.message.direction == Direction.INCOMING:
            return self.message.from_address or ""
        return self.conversation.customer.email or ""

    @cached_property
    def last_times(self) -> dict[str, dt.datetime | None]:
        return Message.objects.filter(conversation_id=self.conversation.pk).aggregate(
            customer=Max("created_at", filter=Q(direction=Direction.INCOMING)),
            agent=Max("created_at", filter=Q(direction=Direction.OUTGOING, author__isnull=False)),
        )

    def hours_since(self, at: dt.datetime | None) -> float | None:
        if at is None:
            return None
        return (self.now - at).total_seconds() / 3600


def _triage(name: str) -> Callable[[Context], object]:
    def get(ctx: Context) -> object:
        triage = ctx.triage
        if triage is None:
            return None
        if name == "intent":
            return triage.effective_intent or None
        return getattr(triage, name, None) or None

    return get


def _language(ctx: Context) -> str | None:
    triage = ctx.triage
    language = (triage.language if triage is not None else "") or ctx.conversation.customer.language
    return language.lower() if language else None


FACTS: dict[str, Callable[[Context], object]] = {
    "status": lambda c: c.conversation.status,
    "priority": lambda c: priority_name(c.conversation.priority),
    "assignee": lambda c: c.conversation.assignee_id,
    "team": lambda c: c.conversation.team_id,
    "inbox": lambda c: c.conversation.inbox_id,
    "channel": lambda c: (
        c.message.channel if c.message is not None else c.conversation.inbox.channel
    ),
    "tags": lambda c: c.tags,
    "subject": lambda c: c.conversation.subject,
    "message_text": lambda c: c.message_text,
    "sender_email": lambda c: c.sender_email,
    "customer_attribute": lambda c: c.attributes,
    "language": _language,
    "sentiment": _triage("sentiment"),
    "urgency": _triage("urgency"),
    "intent": _triage("intent"),
    "intent_confidence": _triage("intent_confidence"),
    "in_business_hours": lambda c: c.in_business_hours,
    "message_count": lambda c: c.conversation.message_count,
    "hours_since_created": lambda c: c.hours_since(c.conversation.created_at),
    "hours_since_customer_message": lambda c: c.hours_since(c.last_times["customer"]),
    "hours_since_agent_reply": lambda c: c.hours_since(c.last_times["agent"]),
    "rating": lambda c: c.rating,
}

# -- the operators -----------------------------------------------------------------------------


def _lower(value: object) -> str:
    return "" if value is None else str(value).lower()


def _is_set(actual: object) -> bool:
    return actual not in (None, "", [], {}, frozenset())


OPERATORS: dict[str, Callable[[object, object], bool]] = {
    "is": lambda actual, value: actual == value,
    "is_not": lambda actual, value: actual != value,
    "contains": lambda actual, value: value in _lower(actual),
    "not_contains": lambda actual, value: value not in _lower(actual),
    "starts_with": lambda actual, value: _lower(actual).startswith(value),
    "ends_with": lambda actual, value: _lower(actual).endswith(value),
    # Tags: at least one of the listed tags / none of them.
    "includes": lambda actual, value: not actual.isdisjoint(value),
    "excludes": lambda actual, value: actual.isdisjoint(value),
    "gte": lambda actual, value: actual is not None and actual >= value,
    "lte": lambda actual, value: actual is not None and actual <= value,
    "is_set": lambda actual, value: _is_set(actual),
    "is_not_set": lambda actual, value: not _is_set(actual),
}
TEXT_FIELDS = frozenset({"subject", "message_text", "sender_email"})


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    op: str
    value: object  # as stored (for the trace)
    check: Callable[[Context], bool]  # the fast path: true or false
    actual: Callable[[Context], object]  # what the trace shows as the actual value

    def test(self, ctx: Context) -> tuple[object, bool]:
        return self.actual(ctx), self.check(ctx)


def _compile_condition(condition: dict) -> Condition:
    field_name, op, value = condition["field"], condition["op"], condition.get("value")
    fact, compare = FACTS[field_name], OPERATORS[op]
    if field_name == "customer_attribute":
        key = value["key"]
        expected = _lower(value.get("value")) if op not in ("is_set", "is_not_set") else None

        def check_attribute(ctx: Context) -> bool:
            actual = ctx.attributes.get(key)
            text = None if actual is None else _lower(actual)
            if op in ("is_set", "is_not_set"):
                return compare(text, None)
            if op == "contains":
                return text is not None and expected in text
            return compare(text, expected)

        return Condition(
            field_name, op, value, check_attribute, lambda ctx: ctx.attributes.get(key)
        )
    if field_name == "tags":
        expected_tags = frozenset(value or ())
        return Condition(
            field_name,
            op,
            value,
            lambda ctx: compare(ctx.tags, expected_tags),
            lambda ctx: sorted(ctx.tags),
        )
    if field_name in TEXT_FIELDS and isinstance(value, str):
        expected = value.lower()
        # Lower-cased once per change and field, whatever the number of rules reading it.
        if op == "contains":
            check = lambda ctx: expected in ctx.lowered(field_name)  # noqa: E731
        elif op == "not_contains":
            check = lambda ctx: expected not in ctx.lowered(field_name)  # noqa: E731
        elif op == "starts_with":
            check = lambda ctx: ctx.lowered(field_name).startswith(expected)  # noqa: E731
        elif op == "ends_with":
            check = lambda ctx: ctx.lowered(field_name).endswith(expected)  # noqa: E731
        elif op == "is":
            check = lambda ctx: ctx.lowered(field_name) == expected  # noqa: E731
        else:
            check = lambda ctx: ctx.lowered(field_name) != expected  # noqa: E731
        return Condition(field_name, op, value, check, lambda ctx: _short(fact(ctx)))

    def check_plain(ctx: Context) -> bool:
        try:
            return compare(fact(ctx), value)
        except TypeError:  # a number compared with nothing comparable
            return False

    return Condition(field_name, op, value, check_plain, lambda ctx: _shown(fact(ctx)))


def _short(value: object) -> object:
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value


def _shown(value: object) -> object:
    if isinstance(value, float):
        return round(value, 2)
    return value


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: int | None
    name: str
    trigger: str
    position: int
    all: tuple[Condition, ...]
    any: tuple[Condition, ...]
    actions: tuple[dict, ...]
    time_anchor: str = ""
    delay_minutes: int | None = None
    in_business_hours: bool = True
    customer_facing: bool = field(default=False)


def compile_rule(rule: Rule) -> CompiledRule:
    conditions = rule.conditions or {}
    actions = tuple(a for a in (rule.actions or []) if isinstance(a, dict))
    return CompiledRule(
        id=rule.pk,
        name=rule.name,
        trigger=rule.trigger,
        position=rule.position,
        all=tuple(_compile_condition(c) for c in conditions.get("all") or ()),
        any=tuple(_compile_condition(c) for c in conditions.get("any") or ()),
        actions=actions,
        time_anchor=rule.time_anchor,
        delay_minutes=rule.delay_minutes,
        in_business_hours=rule.in_business_hours,
        customer_facing=any(
            ACTIONS[a["type"]].customer_facing for a in actions if a.get("type") in ACTIONS
        ),
    )


def _reason(condition: Condition, group: str, actual: object, result: bool | None) -> dict:
    return {
        "group": group,
        "field": condition.field,
        "op": condition.op,
        "value": condition.value,
        "actual": actual,
        "result": result,
    }


def matches(rule: CompiledRule, ctx: Context) -> tuple[bool, bool]:
    """The fast path: whether the rule matches, and whether it was a near miss (worth a trace
    row: every ALL condition held but no ANY condition, or only the last ALL condition
    failed). A rule that failed early on an unrelated change writes no row."""
    last = len(rule.all) - 1
    for index, condition in enumerate(rule.all):
        if not condition.check(ctx):
            return False, index == last and index > 0
    if not rule.any:
        return True, True
    for condition in rule.any:
        if condition.check(ctx):
            return True, True
    return False, bool(rule.all)


def evaluate(rule: CompiledRule, ctx: Context) -> tuple[bool, list[dict]]:
    """Whether the rule's conditions hold, and the reason of each condition."""
    reasons: list[dict] = []
    matched = True
    for index, condition in enumerate(rule.all):
        actual, result = condition.test(ctx)
        reasons.append(_reason(condition, "all", actual, result))
        if not result:
            matched = False
            reasons.extend(_reason(c, "all", None, None) for c in rule.all[index + 1 :])
            break
    if rule.any:
        if not matched:
            reasons.extend(_reason(c, "any", None, None) for c in rule.any)
        else:
            matched = False
            for index, condition in enumerate(rule.any):
                actual, result = condition.test(ctx)
                reasons.append(_reason(condition, "any", actual, result))
                if result:
                    matched = True
                    reasons.extend(_reason(c, "any", None, None) for c in rule.any[index + 1 :])
                    break
    return matched, reasons


# -- the active rules, cached per process ------------------------------------------------------

_cache: dict[str, object] = {"generation": None, "by_trigger": {}}
CACHE_MARK_KEY = "automation-rules:token"


def _cache_token() -> object:
    """Which cache the index was built against. The compiled rules hold functions, so they
    stay in this process's memory rather than in Django's cache; a token there tells when that
    cache was emptied (tests empty it between tests, whose rolled-back rules left no trace in
    the generation). With a shared cache (Redis) the generation itself lives there and starts
    anew when it is emptied: no token needed."""
    default = caches["default"]
    if not isinstance(default, LocMemCache):
        return None
    key = default.make_and_validate_key(CACHE_MARK_KEY)
    # A look at the local cache's dictionary (no lock, no unpickling: this runs for every
    # event); `cache.add` does the writing properly.
    if key not in default._cache:
        default.add(CACHE_MARK_KEY, time.time_ns(), timeout=None)
    return default._cache.get(key)


def active_rules(trigger: str) -> tuple[CompiledRule, ...]:
    """The active rules of a trigger, in order. No query while no rule changed."""
    generation = (RULES.current(), _cache_token())
    if _cache["generation"] != generation:
        by_trigger: dict[str, list[CompiledRule]] = {}
        for rule in Rule.objects.filter(is_active=True).order_by("position", "id"):
            try:
                compiled = compile_rule(rule)
            except (KeyError, TypeError):  # a row edited by hand outside the services
                continue
            by_trigger.setdefault(rule.trigger, []).append(compiled)
        _cache["by_trigger"] = {t: tuple(rules) for t, rules in by_trigger.items()}
        _cache["generation"] = generation
    return _cache["by_trigger"].get(trigger, ())  # type: ignore[union-attr]


MESSAGE_FIELDS = frozenset({"message_text", "sender_email", "channel"})


def reads_message(rules: tuple[CompiledRule, ...]) -> bool:
    """Whether any of these rules reads the change's message (its text, sender or channel):
    then the runner reads the message and its conversation in one query."""
    return any(c.field in MESSAGE_FIELDS for rule in rules for c in (*rule.all, *rule.any))


def active_rule(rule_id: int) -> CompiledRule | None:
    """One active rule by id (a time rule's timer asks for its rule)."""
    from carefront.automation.models import Trigger

    for rule in active_rules(Trigger.TIME):
        if rule.id == rule_id:
            return rule
    return None
