"""Schemas of the rules endpoints (issue 14): rules, their runs (the trace) and their errors."""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from .schemas import ErrorOut


class ConditionIn(Schema):
    field: str = Field(..., max_length=64)
    op: str = Field(..., max_length=32)
    value: Any = None


class ConditionsIn(Schema):
    all: list[ConditionIn] = Field(default_factory=list, max_length=50)
    any: list[ConditionIn] = Field(default_factory=list, max_length=50)


class ActionIn(Schema):
    type: str = Field(..., max_length=64)
    params: dict[str, Any] = Field(default_factory=dict)


class RuleIn(Schema):
    name: str = Field(..., max_length=120)
    description: str = Field("", max_length=2000)
    trigger: str = Field(..., max_length=32)
    conditions: ConditionsIn = Field(default_factory=ConditionsIn)
    actions: list[ActionIn] = Field(default_factory=list, max_length=50)
    time_anchor: str = Field("", max_length=32)
    delay_minutes: int | None = Field(None, ge=1, le=525_600)
    in_business_hours: bool = True


class RulePatchIn(Schema):
    """Only the fields you send change."""

    name: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=2000)
    trigger: str | None = Field(None, max_length=32)
    conditions: ConditionsIn | None = None
    actions: list[ActionIn] | None = Field(None, max_length=50)
    time_anchor: str | None = Field(None, max_length=32)
    delay_minutes: int | None = Field(None, ge=1, le=525_600)
    in_business_hours: bool | None = None


class RuleOut(Schema):
    id: int
    name: str
    description: str
    trigger: str
    time_anchor: str
    delay_minutes: int | None
    in_business_hours: bool
    conditions: dict
    actions: list
    position: int
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by_id: int | None


class RuleList(Schema):
    items: list[RuleOut]


class RuleRunOut(Schema):
    id: int
    conversation_id: int
    rule_id: int | None
    rule_name: str
    trigger: str
    change_key: str
    outcome: str
    skip_reason: str
    reasons: list
    done: list
    depth: int
    created_at: dt.datetime


class RuleRunList(Schema):
    items: list[RuleRunOut]


class RuleRunPage(Schema):
    items: list[RuleRunOut]
    next_cursor: str | None


class RuleRunsIn(Schema):
    cursor: str | None = Field(None, max_length=500)


class RuleErrorOut(ErrorOut):
    """A rule refused: `errors` by path ("conditions.all.0.value"), `cycle` the rule names of a
    loop it would close."""

    errors: dict[str, list[str]] = Field(default_factory=dict)
    cycle: list[str] = Field(default_factory=list)
