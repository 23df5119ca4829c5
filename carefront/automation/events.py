"""Typed events of the automation app, published after a rule is written (webhooks listen)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RuleChanged:
    """A rule was created, edited, enabled, disabled, moved or deleted: `change_id` is its
    RuleChange row (who, what before and after)."""

    rule_id: int | None
    change_id: int
    action: str
