"""Writing rules: create, edit, enable or disable, reorder, delete. Each write is checked
against the catalogue (RuleInvalid with paths) and for loops among the active rules (RuleLoop),
and leaves a RuleChange row (who, what, before and after)."""

from django.db import transaction
from django.db.models import Max

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_admin
from carefront.automation.models import Rule, RuleChange, Trigger

from .loops import RuleShape, find_cycle
from .validation import rule_clean, rule_fields

EDITABLE = (
    "name",
    "description",
    "trigger",
    "time_anchor",
    "delay_minutes",
    "in_business_hours",
    "conditions",
    "actions",
)
NEW = "new"  # the loop graph's key for a rule not saved yet


def _shape(rule: Rule, key: object = None) -> RuleShape:
    return RuleShape(
        key=rule.pk if key is None else key,
        name=rule.name,
        trigger=rule.trigger,
        conditions=rule.conditions or {},
        actions=rule.actions or [],
    )


def rule_check_loops(*, rule: Rule) -> None:
    """RuleLoop if `rule` (saved or not) and the active rules form a cycle. The services check
    when a rule is or becomes active (an inactive draft may be saved; enabling it is refused);
    a form may call this to warn about a draft early."""
    from .errors import RuleLoop

    others = (
        Rule.objects.filter(is_active=True)
        .exclude(pk=rule.pk)
        .only("id", "name", "trigger", "conditions", "actions")
    )
    cycle = find_cycle(_shape(rule, key=rule.pk or NEW), [_shape(r) for r in others])
    if cycle:
        raise RuleLoop(cycle)


def _audit(*, rule: Rule, action: str, actor: Agent | None, before: dict, after: dict) -> None:
    from carefront.automation.events import RuleChanged
    from carefront.core.events import publish

    change = RuleChange.objects.create(
        rule=rule if action != RuleChange.Action.DELETED else None,
        rule_name=rule.name,
        action=action,
        actor=actor,
        before=before,
        after=after,
    )
    # The audit as an event: webhooks send "rule.changed" (carefront/webhooks/handlers.py).
    publish(RuleChanged(rule_id=rule.pk, change_id=change.pk, action=action))


def _time_rule_enabled(rule: Rule) -> None:
    """A time rule that starts running: conversations already waiting get their timers."""
    if rule.trigger != Trigger.TIME or not rule.is_active:
        return
    from .timers import rule_time_backfill_enqueue

    rule_id = rule.pk
    transaction.on_commit(lambda: rule_time_backfill_enqueue(rule_id=rule_id), robust=True)


@transaction.atomic
def rule_create(
    *,
    actor: Agent,
    name: str,
    trigger: str,
    conditions: dict,
    actions: list,
    description: str = "",
    time_anchor: str = "",
    delay_minutes: int | None = None,
    in_business_hours: bool = True,
    is_active: bool = False,
) -> Rule:
    """A new rule, last in the order. Inactive unless `is_active` (try it with a dry run)."""
    require_admin(actor)
    fields = rule_clean(
        name=name,
        trigger=trigger,
        conditions=conditions,
        actions=actions,
        description=description,
        time_anchor=time_anchor,
        delay_minutes=delay_minutes,
        in_business_hours=in_business_hours,
    )
    rule = Rule(**fields, is_active=bool(is_active), created_by=actor, updated_by=actor)
    if rule.is_active:
        rule_check_loops(rule=rule)
    last = Rule.objects.select_for_update().aggregate(last=Max("position"))["last"]
    rule.position = (last or 0) + 1
    rule.save()
    _audit(
        rule=rule, action=RuleChange.Action.CREATED, actor=actor, before={}, after=rule_fields(rule)
    )
    _time_rule_enabled(rule)
    return rule


@transaction.atomic
def rule_update(*, actor: Agent, rule: Rule, **fields: object) -> Rule:
    """Change some of a rule's fields (those of `EDITABLE`; `is_active` too). Fields not given
    stay as they are."""
    from .errors import RuleInvalid

    require_admin(actor)
    unknown = sorted(set(fields) - set(EDITABLE) - {"is_active"})
    if unknown:
        raise RuleInvalid({name: ["Not a field of a rule."] for name in unknown})
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = rule_fields(rule)
    merged = {name: fields.get(name, getattr(rule, name)) for name in EDITABLE}
    clean = rule_clean(**merged)
    was_active = rule.is_active
    for name, value in clean.items():
        setattr(rule, name, value)
    if "is_active" in fields:
        rule.is_active = bool(fields["is_active"])
    if rule.is_active:
        rule_check_loops(rule=rule)
    rule.updated_by = actor
    rule.save()
    after = rule_fields(rule)
    if after != before:
        _audit(rule=rule, action=RuleChange.Action.UPDATED, actor=actor, before=before, after=after)
    if rule.is_active and (
        not was_active
        or before["time_anchor"] != after["time_anchor"]
        or before["delay_minutes"] != after["delay_minutes"]
        or before["in_business_hours"] != after["in_business_hours"]
        or before["trigger"] != after["trigger"]
    ):
        _time_rule_enabled(rule)
    return rule


@transaction.atomic
def rule_set_active(*, actor: Agent, rule: Rule, active: bool) -> Rule:
    """Turn a rule on (checked for loops with the other active rules) or off."""
    require_admin(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule.is_active == bool(active):
        return rule
    before = rule_fields(rule)
    rule.is_active = bool(active)
    if rule.is_active:
        rule_check_loops(rule=rule)
    rule.updated_by = actor
    rule.save(update_fields=["is_active", "updated_by", "updated_at"])
    _audit(
        rule=rule,
        action=RuleChange.Action.ENABLED if rule.is_active else RuleChange.Action.DISABLED,
        actor=actor,
        before=before,
        after=rule_fields(rule),
    )
    _time_rule_enabled(rule)
    return rule


@transaction.atomic
def rule_move(*, actor: Agent, rule: Rule, position: int) -> None:
    """Put the rule at `position` (1 = first; beyond the end = last); the others are
    renumbered 1, 2, 3, ... in their order."""
    require_admin(actor)
    rules = list(Rule.objects.select_for_update().order_by("position", "id"))
    current = next((r for r in rules if r.pk == rule.pk), None)
    if current is None:
        return
    old_position = current.position
    rules.remove(current)
    index = min(max(int(position), 1), len(rules) + 1) - 1
    rules.insert(index, current)
    changed = []
    for number, item in enumerate(rules, start=1):
        if item.position != number:
            item.position = number
            changed.append(item)
    if changed:
        Rule.objects.bulk_update(changed, ["position"])
        # bulk_update sends no signal: the cached rule index moves on here.
        from .engine import RULES

        RULES.changed()
    if current.position != old_position or current in changed:
        _audit(
            rule=current,
            action=RuleChange.Action.MOVED,
            actor=actor,
            before={"position": old_position},
            after={"position": current.position},
        )


@transaction.atomic
def rule_delete(*, actor: Agent, rule: Rule) -> None:
    """Delete the rule; its trace rows and audit keep its name."""
    require_admin(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    _audit(
        rule=rule, action=RuleChange.Action.DELETED, actor=actor, before=rule_fields(rule), after={}
    )
    rule.delete()
