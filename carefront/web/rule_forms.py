"""The rule builder's form: posted rows of conditions and actions to the rule's JSON and back.

A condition row is posted as `c-<group>-<n>-field`, `-op`, `-value` (and `-key` for a customer
attribute); an action row as `a-<n>-type` and `a-<n>-p-<param>`. Rows whose field (or action
type) is empty are ignored, so the page can always offer blank rows (the no-JS way to add one).
Every row keeps what was typed, valid or not, so a refused save loses nothing. The vocabulary is
the catalogue's (carefront/automation/rules/catalogue.py); the services validate.
"""

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carefront.automation.models import Rule, TimeAnchor, Trigger
from carefront.automation.rules.catalogue import ACTIONS, CONDITIONS, OPERATOR_LABELS
from carefront.conversations.models import PRIORITY_BY_NAME, Priority, Status, priority_name
from carefront.inboxes.models import Channel
from carefront.web import directory

GROUPS = ("all", "any")
BLANK_CONDITION_ROWS = 2
BLANK_ACTION_ROWS = 2
MAX_ROWS = 50
# Operators that take no value: the value input is left out.
NO_VALUE_OPS = frozenset({"is_set", "is_not_set"})
DELAY_UNITS = {"minutes": 1, "hours": 60, "days": 1440}
DELAY_UNIT_LABELS = [
    ("minutes", gettext_lazy("minutes")),
    ("hours", gettext_lazy("hours")),
    ("days", gettext_lazy("days")),
]
_COND_KEY = re.compile(r"^c-(all|any)-(\d{1,6})-field$")
_ACTION_KEY = re.compile(r"^a-(\d{1,6})-type$")

_STATIC_CHOICES: dict[str, list[tuple[str, Any]]] = {
    "sentiments": [
        ("negative", gettext_lazy("Negative")),
        ("neutral", gettext_lazy("Neutral")),
        ("positive", gettext_lazy("Positive")),
    ],
    "urgencies": [
        ("low", gettext_lazy("Low")),
        ("normal", gettext_lazy("Normal")),
        ("high", gettext_lazy("High")),
    ],
    "ratings": [
        ("great", gettext_lazy("Great")),
        ("okay", gettext_lazy("Okay")),
        ("not_good", gettext_lazy("Not good")),
    ],
}


def _intents() -> list[tuple[str, str]]:
    # Known intents: those triage predicted or agents corrected (bounded; indexed on intent).
    from carefront.automation.models import ConversationTriage

    names = (
        ConversationTriage.objects.exclude(intent="")
        .order_by("intent")
        .values_list("intent", flat=True)
        .distinct()[:200]
    )
    return [(name, name) for name in names]


class Options:
    """The choices the builder offers, each list read once per request (constant queries)."""

    def __init__(self) -> None:
        self._cache: dict[str, list[tuple[str, str]]] = {}

    def get(self, kind: str) -> list[tuple[str, str]]:
        if kind not in self._cache:
            self._cache[kind] = self._build(kind)
        return self._cache[kind]

    def _build(self, kind: str) -> list[tuple[str, str]]:
        if kind == "agent":
            return [(str(a.pk), a.name) for a in directory.active_agents()]
        if kind == "team":
            return [(str(t.pk), t.name) for t in directory.teams()]
        if kind == "inbox":
            from carefront.inboxes.models import Inbox

            return [
                (str(pk), name)
                for pk, name in Inbox.objects.order_by("name").values_list("id", "name")
            ]
        if kind == "saved_reply":
            return [(str(s.pk), s.name) for s in directory.saved_replies()]
        if kind == "bool":
            return [("true", _("yes")), ("false", _("no"))]
        if kind.startswith("choice:"):
            return self.choices(kind.removeprefix("choice:"))
        return []

    def choices(self, source: str) -> list[tuple[str, str]]:
        if source == "statuses":
            return [(v, str(label)) for v, label in Status.choices]
        if source == "priorities":
            return [(priority_name(p.value), str(p.label)) for p in Priority]
        if source == "channels":
            return [(v, str(label)) for v, label in Channel.choices]
        if source == "languages":
            return [(code, str(label)) for code, label in settings.LANGUAGES]
        if source == "intents":
            return _intents()
        return [(v, str(label)) for v, label in _STATIC_CHOICES.get(source, [])]


def condition_kind(field_name: str) -> str:
    """The value kind of a condition field, with the choice source (`choice:statuses`)."""
    spec = CONDITIONS.get(field_name)
    if spec is None:
        return "text"
    if spec.value_kind == "choice":
        return f"choice:{spec.choices}"
    return spec.value_kind


def widget(kind: str, options: Options) -> dict:
    """What the template draws for a value kind: a select, a pair, or an input of a type."""
    if kind in ("agent", "team", "inbox", "saved_reply", "bool") or kind.startswith("choice:"):
        return {"select": True, "options": options.get(kind)}
    if kind == "attribute":
        return {"attribute": True}
    if kind == "tags":
        return {"input_type": "text", "hint": _("comma-separated")}
    if kind == "number":
        return {"input_type": "number"}
    if kind in ("email", "url"):
        return {"input_type": kind}
    return {"input_type": "text"}


@dataclass
class ConditionRow:
    group: str
    index: int
    field: str = ""
    op: str = ""
    value: str = ""
    key: str = ""
    errors: list[str] = dc_field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"c-{self.group}-{self.index}"


@dataclass
class ActionRow:
    index: int
    type: str = ""
    params: dict[str, str] = dc_field(default_factory=dict)
    errors: list[str] = dc_field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"a-{self.index}"


# ---------------------------------------------------------------------------------------------
# Values: typed JSON <-> the text of an input.


def value_to_json(kind: str, raw: str, key: str = "") -> Any:
    """The posted text as the JSON value the catalogue expects. Kept as typed text when it does
    not parse, so that validation names the row (and the text is shown again)."""
    raw = (raw or "").strip()
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if number.is_integer() else number
    if kind == "bool":
        return {"true": True, "false": False}.get(raw, raw)
    if kind in ("agent", "team", "inbox", "saved_reply"):
        return int(raw) if raw.isdigit() else (None if raw == "" else raw)
    if kind == "tags":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if kind == "attribute":
        return {"key": (key or "").strip(), "value": raw}
    return raw


def value_to_text(kind: str, value: Any) -> tuple[str, str]:
    """(value text, key text) for an input showing a stored value."""
    if value is None:
        return "", ""
    if kind == "attribute" and isinstance(value, dict):
        return str(value.get("value", "")), str(value.get("key", ""))
    if kind == "tags" and isinstance(value, list):
        return ", ".join(str(v) for v in value), ""
    if kind == "bool" and isinstance(value, bool):
        return ("true" if value else "false"), ""
    if kind == "choice:priorities" and isinstance(value, int) and not isinstance(value, bool):
        try:
            return priority_name(value), ""
        except ValueError:
            return str(value), ""
    return str(value), ""


def action_param_kind(action_type: str, param: str) -> str:
    spec = ACTIONS.get(action_type)
    return spec.params.get(param, "text") if spec else "text"


# ---------------------------------------------------------------------------------------------
# The form.


@dataclass
class RuleForm:
    """The builder's state: the rule's own fields as typed, and its rows."""

    name: str = ""
    description: str = ""
    trigger: str = ""
    time_anchor: str = ""
    delay_amount: str = ""
    delay_unit: str = "hours"
    in_business_hours: bool = True
    conditions: dict[str, list[ConditionRow]] = dc_field(default_factory=dict)
    actions: list[ActionRow] = dc_field(default_factory=list)
    field_errors: dict[str, list[str]] = dc_field(default_factory=dict)
    errors: list[str] = dc_field(default_factory=list)
    # Posted row order after blanks are dropped: the service's index -> the row.
    _condition_index: dict[str, list[ConditionRow]] = dc_field(default_factory=dict)
    _action_index: list[ActionRow] = dc_field(default_factory=list)

    # -- reading ------------------------------------------------------------------------------

    @classmethod
    def from_rule(cls, rule: Rule | None) -> "RuleForm":
        form = cls()
        if rule is None:
            form.trigger = Trigger.CUSTOMER_MESSAGE
            form._pad()
            return form
        form.name, form.description, form.trigger = rule.name, rule.description, rule.trigger
        form.time_anchor = rule.time_anchor
        form.in_business_hours = rule.in_business_hours
        if rule.delay_minutes is not None:
            minutes = rule.delay_minutes
            unit = "days" if minutes % 1440 == 0 else "hours" if minutes % 60 == 0 else "minutes"
            form.delay_unit = unit
            form.delay_amount = str(minutes // DELAY_UNITS[unit])
        conditions = rule.conditions if isinstance(rule.conditions, dict) else {}
        for group in GROUPS:
            rows = []
            for n, condition in enumerate(conditions.get(group) or []):
                if not isinstance(condition, dict):
                    continue
                name = str(condition.get("field", ""))
                value, key = value_to_text(condition_kind(name), condition.get("value"))
                rows.append(ConditionRow(group, n, name, str(condition.get("op", "")), value, key))
            form.conditions[group] = rows
        for n, action in enumerate(rule.actions if isinstance(rule.actions, list) else []):
            if not isinstance(action, dict):
                continue
            kind = str(action.get("type", ""))
            params = action.get("params") or {}
            texts = {
                name: value_to_text(action_param_kind(kind, name), value)[0]
                for name, value in (params.items() if isinstance(params, dict) else [])
            }
            form.actions.append(ActionRow(n, kind, texts))
        form._pad()
        return form

    @classmethod
    def from_post(cls, data: QueryDict) -> "RuleForm":
        form = cls(
            name=data.get("name", "").strip(),
            description=data.get("description", "").strip(),
            trigger=data.get("trigger", ""),
            time_anchor=data.get("time_anchor", ""),
            delay_amount=data.get("delay_amount", "").strip(),
            delay_unit=data.get("delay_unit", "hours"),
            in_business_hours=data.get("in_business_hours") == "on",
        )
        found: dict[str, list[int]] = {group: [] for group in GROUPS}
        actions: list[int] = []
        for key in data:
            if match := _COND_KEY.match(key):
                found[match[1]].append(int(match[2]))
            elif match := _ACTION_KEY.match(key):
                actions.append(int(match[1]))
        for group in GROUPS:
            rows = []
            for n in sorted(found[group])[:MAX_ROWS]:
                p = f"c-{group}-{n}"
                rows.append(
                    ConditionRow(
                        group,
                        n,
                        data.get(f"{p}-field", ""),
                        data.get(f"{p}-op", ""),
                        data.get(f"{p}-value", ""),
                        data.get(f"{p}-key", ""),
                    )
                )
            form.conditions[group] = rows
        for n in sorted(actions)[:MAX_ROWS]:
            p = f"a-{n}"
            kind = data.get(f"{p}-type", "")
            spec = ACTIONS.get(kind)
            params = {name: data.get(f"{p}-p-{name}", "") for name in (spec.params if spec else {})}
            form.actions.append(ActionRow(n, kind, params))
        form._pad()
        return form

    def _pad(self) -> None:
        """Blank rows at the end of each list: the way to add one without JavaScript."""
        for group in GROUPS:
            rows = self.conditions.setdefault(group, [])
            start = max((r.index for r in rows), default=-1) + 1
            used = sum(1 for r in rows if not r.field)
            rows.extend(
                ConditionRow(group, start + i) for i in range(max(0, BLANK_CONDITION_ROWS - used))
            )
        start = max((r.index for r in self.actions), default=-1) + 1
        used = sum(1 for r in self.actions if not r.type)
        self.actions.extend(ActionRow(start + i) for i in range(max(0, BLANK_ACTION_ROWS - used)))

    # -- to the service -------------------------------------------------------------------------

    def delay_minutes(self) -> int | None:
        if self.trigger != Trigger.TIME:
            return None
        if not self.delay_amount:
            return None
        try:
            amount = float(self.delay_amount)
        except ValueError:
            self.field_errors.setdefault("delay_minutes", []).append(
                _("Enter the delay as a number.")
            )
            return None
        if amount <= 0:
            self.field_errors.setdefault("delay_minutes", []).append(
                _("The delay must be more than zero.")
            )
            return None
        return round(amount * DELAY_UNITS.get(self.delay_unit, 60))

    def cleaned(self) -> dict:
        """The keyword arguments of rule_create / rule_update (validation is the service's)."""
        conditions: dict[str, list[dict]] = {}
        self._condition_index = {}
        for group in GROUPS:
            items, rows = [], []
            for row in self.conditions.get(group, []):
                if not row.field:
                    continue
                item: dict[str, Any] = {"field": row.field, "op": row.op}
                if row.op not in NO_VALUE_OPS or condition_kind(row.field) == "attribute":
                    item["value"] = value_to_json(condition_kind(row.field), row.value, row.key)
                items.append(item)
                rows.append(row)
            conditions[group] = items
            self._condition_index[group] = rows
        actions: list[dict] = []
        self._action_index = []
        for row in self.actions:
            if not row.type:
                continue
            params = {
                name: value_to_json(action_param_kind(row.type, name), raw)
                for name, raw in row.params.items()
            }
            # An empty optional agent ("notify the assignee") is left out rather than None.
            params = {k: v for k, v in params.items() if v is not None}
            actions.append({"type": row.type, "params": params})
            self._action_index.append(row)
        is_time = self.trigger == Trigger.TIME
        return {
            "name": self.name,
            "description": self.description,
            "trigger": self.trigger,
            "conditions": conditions,
            "actions": actions,
            "time_anchor": self.time_anchor if is_time else "",
            "delay_minutes": self.delay_minutes(),
            "in_business_hours": self.in_business_hours,
        }

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Place a RuleInvalid's errors (paths such as `conditions.all.0.value`) next to the
        rows they name; what names nothing known goes to the top of the form."""
        for path, messages in errors.items():
            messages = [str(m) for m in messages]
            parts = path.split(".")
            target = None
            if parts[0] == "conditions" and len(parts) >= 3 and parts[1] in GROUPS:
                rows = self._condition_index.get(parts[1], [])
                if parts[2].isdigit() and int(parts[2]) < len(rows):
                    target = rows[int(parts[2])].errors
            elif parts[0] == "actions" and len(parts) >= 2 and parts[1].isdigit():
                if int(parts[1]) < len(self._action_index):
                    target = self._action_index[int(parts[1])].errors
            elif len(parts) == 1 and parts[0] in (
                "name",
                "description",
                "trigger",
                "time_anchor",
                "delay_minutes",
                "in_business_hours",
            ):
                target = self.field_errors.setdefault(parts[0], [])
            if target is None:
                target = self.errors
            target.extend(messages)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors
            or self.field_errors
            or any(r.errors for rows in self.conditions.values() for r in rows)
            or any(r.errors for r in self.actions)
        )


# ---------------------------------------------------------------------------------------------
# What the template needs.


def trigger_choices() -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in Trigger.choices]


def anchor_choices() -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in TimeAnchor.choices]


def field_choices() -> list[tuple[str, str]]:
    return [(name, str(spec.label)) for name, spec in CONDITIONS.items()]


def operator_choices(field_name: str) -> list[tuple[str, str]]:
    spec = CONDITIONS.get(field_name)
    ops = spec.operators if spec else tuple(OPERATOR_LABELS)
    return [(op, str(OPERATOR_LABELS.get(op, op))) for op in ops]


def action_choices() -> list[tuple[str, str]]:
    return [(name, str(spec.label)) for name, spec in ACTIONS.items()]


PARAM_LABELS = {
    "agent_id": gettext_lazy("Agent"),
    "team_id": gettext_lazy("Team"),
    "tags": gettext_lazy("Tags"),
    "priority": gettext_lazy("Priority"),
    "status": gettext_lazy("Status"),
    "body": gettext_lazy("Text"),
    "saved_reply_id": gettext_lazy("Saved reply"),
    "to": gettext_lazy("To"),
    "subject": gettext_lazy("Subject"),
    "text": gettext_lazy("Text"),
    "url": gettext_lazy("URL"),
}


def condition_row_view(row: ConditionRow, options: Options) -> dict:
    kind = condition_kind(row.field) if row.field else "text"
    return {
        "row": row,
        "operators": operator_choices(row.field) if row.field else [],
        "widget": widget(kind, options),
    }


def action_row_view(row: ActionRow, options: Options) -> dict:
    spec = ACTIONS.get(row.type)
    params = []
    for name, kind in (spec.params if spec else {}).items():
        params.append(
            {
                "name": name,
                "label": PARAM_LABELS.get(name, name),
                "value": row.params.get(name, ""),
                "widget": widget(kind, options),
                "optional": row.type == "notify_agent" and name == "agent_id",
            }
        )
    return {"row": row, "params": params}


def builder_context(form: RuleForm) -> dict:
    """Rows ready to draw, and one template per condition field and action type for the script
    that swaps a row's inputs when its field or type changes."""
    options = Options()
    return {
        "rule_form": form,
        "condition_groups": [
            {
                "name": group,
                "legend": _("All of these conditions")
                if group == "all"
                else _("Any of these conditions"),
                "rows": [condition_row_view(r, options) for r in form.conditions.get(group, [])],
            }
            for group in GROUPS
        ],
        "action_rows": [action_row_view(r, options) for r in form.actions],
        "field_choices": field_choices(),
        "action_choices": action_choices(),
        "trigger_choices": trigger_choices(),
        "anchor_choices": anchor_choices(),
        "delay_units": [(v, str(label)) for v, label in DELAY_UNIT_LABELS],
        "condition_templates": [
            condition_row_view(ConditionRow("__group__", 0, name), options) for name in CONDITIONS
        ],
        "action_templates": [action_row_view(ActionRow(0, name), options) for name in ACTIONS],
        "no_value_ops": sorted(NO_VALUE_OPS),
    }


# ---------------------------------------------------------------------------------------------
# Readable summaries (the list, the trace, the history).


def _value_text(kind: str, value: Any, names: dict[str, dict[str, str]]) -> str:
    if isinstance(value, dict) and kind == "attribute":
        return f"{value.get('key', '')} = {value.get('value', '')}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    lookup = names.get(kind)
    if lookup is not None and value is not None:
        return lookup.get(str(value), str(value))
    if (
        kind == "choice:priorities"
        and isinstance(value, int)
        and value in PRIORITY_BY_NAME.values()
    ):
        return str(Priority(value).label)
    return "" if value is None else str(value)


def names_for_summary() -> dict[str, dict[str, str]]:
    options = Options()
    names = {k: dict(options.get(k)) for k in ("agent", "team", "saved_reply")}
    names["inbox"] = dict(options.get("inbox"))
    for source in (
        "statuses",
        "priorities",
        "channels",
        "languages",
        "sentiments",
        "urgencies",
        "ratings",
    ):
        names[f"choice:{source}"] = dict(options.choices(source))
    return names


def condition_text(condition: dict, names: dict[str, dict[str, str]]) -> str:
    name = str(condition.get("field", ""))
    spec = CONDITIONS.get(name)
    label = str(spec.label) if spec else name
    op = str(condition.get("op", ""))
    op_label = str(OPERATOR_LABELS.get(op, op))
    if op in NO_VALUE_OPS and condition_kind(name) != "attribute":
        return f"{label} {op_label}"
    return f"{label} {op_label} {_value_text(condition_kind(name), condition.get('value'), names)}"


def action_text(action: dict, names: dict[str, dict[str, str]]) -> str:
    kind = str(action.get("type", ""))
    spec = ACTIONS.get(kind)
    label = str(spec.label) if spec else kind
    params = action.get("params") or {}
    parts = [
        _value_text(action_param_kind(kind, k), v, names)
        for k, v in (params.items() if isinstance(params, dict) else [])
        if v not in ("", None, [])
    ]
    return f"{label}: {'; '.join(parts)}" if parts else label


def rule_summary(rule: Rule, names: dict[str, dict[str, str]]) -> dict:
    conditions = rule.conditions if isinstance(rule.conditions, dict) else {}
    when = str(rule.get_trigger_display())
    if rule.trigger == Trigger.TIME and rule.delay_minutes:
        minutes = rule.delay_minutes
        unit = "days" if minutes % 1440 == 0 else "hours" if minutes % 60 == 0 else "minutes"
        amount = minutes // DELAY_UNITS[unit]
        unit_label = dict(DELAY_UNIT_LABELS)[unit]
        anchor = rule.get_time_anchor_display() if rule.time_anchor else ""
        when = f"{amount} {unit_label} {anchor}".strip()
        if rule.in_business_hours:
            when += " " + _("(business hours)")
    return {
        "when": when,
        "all": [
            condition_text(c, names) for c in conditions.get("all") or [] if isinstance(c, dict)
        ],
        "any": [
            condition_text(c, names) for c in conditions.get("any") or [] if isinstance(c, dict)
        ],
        "actions": [action_text(a, names) for a in (rule.actions or []) if isinstance(a, dict)],
    }


def change_diff(before: dict, after: dict, names: dict[str, dict[str, str]]) -> list[dict]:
    """What a RuleChange changed, field by field, in words: [{label, before, after}]."""
    labels = {
        "name": _("Name"),
        "description": _("Description"),
        "trigger": _("When"),
        "time_anchor": _("Counted from"),
        "delay_minutes": _("After (minutes)"),
        "in_business_hours": _("Business hours only"),
        "conditions": _("Conditions"),
        "actions": _("Actions"),
        "position": _("Order"),
        "is_active": _("Active"),
    }
    before, after = before or {}, after or {}

    def text(key: str, value: Any) -> str:
        if value in (None, "", [], {}):
            return "—"
        if key == "conditions" and isinstance(value, dict):
            parts = []
            for group in GROUPS:
                items = [
                    condition_text(c, names) for c in value.get(group) or [] if isinstance(c, dict)
                ]
                if items:
                    word = _("all of") if group == "all" else _("any of")
                    parts.append(f"{word}: " + "; ".join(items))
            return " · ".join(parts) or "—"
        if key == "actions" and isinstance(value, list):
            return "; ".join(action_text(a, names) for a in value if isinstance(a, dict)) or "—"
        if key == "trigger":
            return str(dict(Trigger.choices).get(value, value))
        if key == "time_anchor":
            return str(dict(TimeAnchor.choices).get(value, value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)

    rows = []
    for key in [k for k in labels if k in before or k in after] + sorted(
        k for k in {*before, *after} if k not in labels
    ):
        if before.get(key) == after.get(key):
            continue
        rows.append(
            {
                "label": labels.get(key, key),
                "before": text(key, before.get(key)),
                "after": text(key, after.get(key)),
            }
        )
    return rows
