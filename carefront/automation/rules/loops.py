"""Loop detection when a rule is saved: could the active rules trigger each other forever?

The graph: rule A → rule B when one of A's actions causes B's trigger (the catalogue's
`causes`) and that action does not contradict B's conditions (A sets the status to "solved",
B needs status "open": A's change never makes B match). A cycle through the rule being saved is
refused with the rule names shown. One exception: a rule that only sets a value (status,
priority, tags, assignee) cannot re-trigger itself forever, since setting the value again
changes nothing and publishes nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .catalogue import ACTIONS

# Actions that set a value: doing them twice is doing them once (no second event).
IDEMPOTENT = frozenset(
    {"assign_agent", "assign_team", "add_tags", "remove_tags", "set_priority", "set_status"}
)


@dataclass(frozen=True)
class RuleShape:
    """What loop detection needs of a rule."""

    key: object  # the rule's id, or a marker for an unsaved rule
    name: str
    trigger: str
    conditions: dict
    actions: list


def _all(conditions: dict) -> list[dict]:
    return [c for c in (conditions or {}).get("all", []) if isinstance(c, dict)]


def _any(conditions: dict) -> list[dict]:
    return [c for c in (conditions or {}).get("any", []) if isinstance(c, dict)]


def _contradicts_one(action: dict, condition: dict) -> bool:
    """After `action`, `condition` is false for certain."""
    kind, params = action.get("type"), action.get("params") or {}
    field, op, value = condition.get("field"), condition.get("op"), condition.get("value")
    if kind == "set_status" and field == "status":
        return (op == "is" and value != params.get("status")) or (
            op == "is_not" and value == params.get("status")
        )
    if kind == "set_priority" and field == "priority":
        return (op == "is" and value != params.get("priority")) or (
            op == "is_not" and value == params.get("priority")
        )
    if kind == "add_tags" and field == "tags" and op == "excludes":
        return bool(set(params.get("tags") or ()) & set(value or ()))
    if kind == "remove_tags" and field == "tags" and op == "includes":
        return bool(set(params.get("tags") or ()) & set(value or ()))
    if kind == "assign_agent" and field == "assignee":
        agent = params.get("agent_id")
        return (
            op == "is_not_set"
            or (op == "is" and value != agent)
            or (op == "is_not" and value == agent)
        )
    if kind == "assign_team" and field == "team":
        team = params.get("team_id")
        return (
            op == "is_not_set"
            or (op == "is" and value != team)
            or (op == "is_not" and value == team)
        )
    return False


def contradicts(action: dict, conditions: dict) -> bool:
    """After `action`, the conditions cannot hold: one ALL condition is false, or every ANY
    condition is."""
    if any(_contradicts_one(action, c) for c in _all(conditions)):
        return True
    anys = _any(conditions)
    return bool(anys) and all(_contradicts_one(action, c) for c in anys)


def _edges(source: RuleShape, target: RuleShape) -> list[dict]:
    """The actions of `source` that may make `target` run."""
    found = []
    for action in source.actions:
        spec = ACTIONS.get(action.get("type"))
        if spec is None or target.trigger not in spec.causes:
            continue
        if contradicts(action, target.conditions):
            continue
        if source.key == target.key and action.get("type") in IDEMPOTENT:
            continue
        found.append(action)
    return found


def find_cycle(rule: RuleShape, others: Iterable[RuleShape]) -> list[str] | None:
    """A cycle of rules through `rule` (names, first repeated at the end), or None."""
    shapes = {s.key: s for s in others if s.key != rule.key}
    shapes[rule.key] = rule
    graph = {
        key: [other for other in shapes if _edges(shape, shapes[other])]
        for key, shape in shapes.items()
    }
    # Depth-first from the saved rule, looking for a way back to it.
    path: list[object] = [rule.key]
    seen: set[object] = set()

    def visit(key: object) -> bool:
        for nxt in graph[key]:
            if nxt == rule.key:
                return True
            if nxt in seen:
                continue
            seen.add(nxt)
            path.append(nxt)
            if visit(nxt):
                return True
            path.pop()
        return False

    if visit(rule.key):
        return [shapes[k].name for k in path] + [rule.name]
    return None
