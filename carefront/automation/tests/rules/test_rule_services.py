"""Writing rules: validation against the catalogue (errors by path), loops refused at save,
the order, and the audit."""

import pytest

from carefront.automation.models import Rule, RuleChange
from carefront.automation.rules.errors import RuleInvalid, RuleLoop
from carefront.automation.rules.services import (
    rule_create,
    rule_delete,
    rule_move,
    rule_set_active,
    rule_update,
)
from carefront.core.exceptions import PermissionDenied

pytestmark = pytest.mark.django_db

TAG_URGENT = [{"type": "add_tags", "params": {"tags": ["Urgent"]}}]


def make(admin, name="R", trigger="customer_message", conditions=None, actions=None, **kw):
    return rule_create(
        actor=admin,
        name=name,
        trigger=trigger,
        conditions=conditions or {},
        actions=actions or TAG_URGENT,
        **kw,
    )


def test_a_valid_rule_is_saved_normalised_and_audited(admin):
    rule = make(
        admin,
        name="  Urgent   words ",
        conditions={"all": [{"field": "message_text", "op": "contains", "value": " ASAP "}]},
    )
    assert rule.name == "Urgent words"
    assert rule.conditions == {
        "all": [{"field": "message_text", "op": "contains", "value": "ASAP"}],
        "any": [],
    }
    assert rule.actions == [{"type": "add_tags", "params": {"tags": ["urgent"]}}]
    assert not rule.is_active
    change = RuleChange.objects.get(rule=rule)
    assert change.action == RuleChange.Action.CREATED
    assert change.actor == admin
    assert change.after["name"] == "Urgent words"


@pytest.mark.parametrize(
    ("conditions", "actions", "path"),
    [
        ({"all": [{"field": "nope", "op": "is", "value": 1}]}, None, "conditions.all.0.field"),
        (
            {"any": [{"field": "status", "op": "contains", "value": "x"}]},
            None,
            "conditions.any.0.op",
        ),
        (
            {"all": [{"field": "status", "op": "is", "value": "lost"}]},
            None,
            "conditions.all.0.value",
        ),
        (
            {
                "all": [
                    {"field": "status", "op": "is", "value": "open"},
                    {"field": "message_count", "op": "gte", "value": "many"},
                ]
            },
            None,
            "conditions.all.1.value",
        ),
        (
            {"all": [{"field": "assignee", "op": "is", "value": 999999}]},
            None,
            "conditions.all.0.value",
        ),
        (None, [{"type": "explode", "params": {}}], "actions.0.type"),
        (
            None,
            [{"type": "set_status", "params": {"status": "snoozed"}}],
            "actions.0.params.status",
        ),
        (None, [{"type": "webhook", "params": {"url": "ftp://x"}}], "actions.0.params.url"),
        (
            None,
            [{"type": "email", "params": {"to": "nobody", "subject": "s", "body": "b"}}],
            "actions.0.params.to",
        ),
        (
            None,
            [{"type": "add_note", "params": {"body": "x", "extra": 1}}],
            "actions.0.params.extra",
        ),
        (
            {"all": [{"field": "rating", "op": "is", "value": "great"}]},
            None,
            "conditions.all.0.field",
        ),
    ],
)
def test_bad_conditions_and_actions_are_refused_with_their_path(admin, conditions, actions, path):
    with pytest.raises(RuleInvalid) as caught:
        make(admin, conditions=conditions, actions=actions)
    assert path in caught.value.errors
    assert not Rule.objects.exists()


def test_a_time_rule_needs_an_anchor_and_a_delay(admin):
    with pytest.raises(RuleInvalid) as caught:
        make(admin, trigger="time", time_anchor="", delay_minutes=0)
    assert set(caught.value.errors) == {"time_anchor", "delay_minutes"}


def test_only_admins_write_rules(agent):
    with pytest.raises(PermissionDenied):
        make(agent)


def ping_pong(admin):
    a = make(
        admin,
        name="Reopen",
        trigger="status_changed",
        conditions={"all": [{"field": "status", "op": "is", "value": "solved"}]},
        actions=[{"type": "set_status", "params": {"status": "open"}}],
        is_active=True,
    )
    b = make(
        admin,
        name="Solve",
        trigger="status_changed",
        conditions={"all": [{"field": "status", "op": "is", "value": "open"}]},
        actions=[{"type": "set_status", "params": {"status": "solved"}}],
    )
    return a, b


def test_enabling_a_rule_that_closes_a_loop_is_refused_with_the_names(admin):
    _a, b = ping_pong(admin)
    with pytest.raises(RuleLoop) as caught:
        rule_set_active(actor=admin, rule=b, active=True)
    assert caught.value.cycle == ["Solve", "Reopen", "Solve"]
    b.refresh_from_db()
    assert not b.is_active


def test_a_contradicted_condition_is_no_loop(admin):
    make(
        admin,
        name="Reopen",
        trigger="status_changed",
        conditions={"all": [{"field": "status", "op": "is", "value": "solved"}]},
        actions=[{"type": "set_priority", "params": {"priority": "high"}}],
        is_active=True,
    )
    # Setting "pending" never makes "status is solved" true: no edge back.
    rule = make(
        admin,
        name="Park",
        trigger="priority_changed",
        actions=[{"type": "set_status", "params": {"status": "pending"}}],
        is_active=True,
    )
    assert rule.is_active


def test_a_rule_setting_a_value_does_not_loop_on_itself(admin):
    rule = make(
        admin,
        trigger="tags_changed",
        actions=[{"type": "add_tags", "params": {"tags": ["seen"]}}],
        is_active=True,
    )
    assert rule.is_active


def test_move_renumbers_and_is_audited(admin):
    rules = [make(admin, name=f"R{i}") for i in range(4)]
    rule_move(actor=admin, rule=rules[3], position=1)
    assert list(Rule.objects.values_list("name", "position")) == [
        ("R3", 1),
        ("R0", 2),
        ("R1", 3),
        ("R2", 4),
    ]
    assert RuleChange.objects.filter(action=RuleChange.Action.MOVED).count() == 1


def test_update_and_delete_are_audited(admin):
    rule = make(admin)
    rule_update(actor=admin, rule=rule, name="Renamed")
    rule_delete(actor=admin, rule=rule)
    assert list(RuleChange.objects.order_by("id").values_list("action", "rule_name")) == [
        ("created", "R"),
        ("updated", "Renamed"),
        ("deleted", "Renamed"),
    ]
    assert not Rule.objects.exists()


def test_saving_an_active_rule_that_loops_is_refused(admin):
    ping_pong(admin)
    with pytest.raises(RuleLoop):
        make(
            admin,
            name="Solve again",
            trigger="status_changed",
            conditions={"all": [{"field": "status", "op": "is", "value": "open"}]},
            actions=[{"type": "set_status", "params": {"status": "solved"}}],
            is_active=True,
        )
    assert not Rule.objects.filter(name="Solve again").exists()
