"""The rule builder and the other rule pages (/manage/rules/), and the conversation's trace."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.automation.models import Rule, RuleChange, RuleRun, Trigger
from carefront.automation.rules.services import rule_create, rule_set_active, rule_update
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db

REFUND = {
    "name": "Refunds",
    "description": "Refund requests go to billing",
    "trigger": "customer_message",
    "c-all-0-field": "message_text",
    "c-all-0-op": "contains",
    "c-all-0-value": "refund",
    "c-any-0-field": "",
    "a-0-type": "add_tags",
    "a-0-p-tags": "refund, billing",
    "a-1-type": "set_priority",
    "a-1-p-priority": "high",
    "a-2-type": "",
    "in_business_hours": "on",
    "do": "save",
}


def _rule(admin, **fields) -> Rule:
    values = {
        "name": "Tag refunds",
        "trigger": Trigger.CUSTOMER_MESSAGE,
        "conditions": {"all": [{"field": "message_text", "op": "contains", "value": "refund"}]},
        "actions": [{"type": "add_tags", "params": {"tags": ["refund"]}}],
    }
    values.update(fields)
    return rule_create(actor=admin, **values)


def test_an_admin_builds_a_rule_with_the_form(admin_client, admin):
    response = admin_client.post(reverse("web:manage_rule_new"), REFUND)
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert response.url == reverse("web:manage_rule", args=[rule.pk])
    assert rule.name == "Refunds"
    assert rule.trigger == "customer_message"
    assert rule.conditions["all"] == [
        {"field": "message_text", "op": "contains", "value": "refund"}
    ]
    assert rule.conditions.get("any", []) == []
    assert rule.actions == [
        {"type": "add_tags", "params": {"tags": ["billing", "refund"]}},
        {"type": "set_priority", "params": {"priority": "high"}},
    ]
    assert rule.is_active is False
    assert RuleChange.objects.get().actor == admin


def test_the_edit_form_shows_the_rule_and_saves_changes(admin_client, admin):
    rule = _rule(admin)
    page = admin_client.get(reverse("web:manage_rule", args=[rule.pk])).content.decode()
    assert 'value="refund"' in page
    assert 'name="c-all-0-field"' in page
    data = {**REFUND, "name": "Refunds, renamed", "c-all-0-value": "money back"}
    response = admin_client.post(reverse("web:manage_rule", args=[rule.pk]), data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Refunds, renamed"
    assert rule.conditions["all"][0]["value"] == "money back"


def test_a_time_rule_takes_its_delay_in_days(admin_client):
    data = {
        **REFUND,
        "name": "Remind after 3 days",
        "trigger": "time",
        "time_anchor": "status_changed",
        "delay_amount": "3",
        "delay_unit": "days",
        "c-all-0-field": "status",
        "c-all-0-op": "is",
        "c-all-0-value": "pending",
    }
    response = admin_client.post(reverse("web:manage_rule_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get()
    assert (rule.delay_minutes, rule.time_anchor, rule.in_business_hours) == (
        3 * 24 * 60,
        "status_changed",
        True,
    )
    page = admin_client.get(reverse("web:manage_rule", args=[rule.pk])).content.decode()
    assert 'name="delay_amount" type="number" min="1" step="any" value="3"' in page
    assert '<option value="days" selected>' in page


def test_a_bad_row_is_refused_next_to_it_and_nothing_typed_is_lost(admin_client):
    data = {
        **REFUND,
        "c-all-1-field": "message_count",
        "c-all-1-op": "gte",
        "c-all-1-value": "many",
    }
    response = admin_client.post(reverse("web:manage_rule_new"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert not Rule.objects.exists()
    # The row's own error, in the row that caused it.
    assert 'id="c-all-1-errors"' in page
    assert "Enter a number." in page
    # Everything typed is still there.
    assert 'value="many"' in page
    assert 'value="refund"' in page
    assert 'value="Refunds"' in page
    assert 'value="billing, refund"' in page or 'value="refund, billing"' in page


def test_a_missing_name_is_shown_on_the_name(admin_client):
    response = admin_client.post(reverse("web:manage_rule_new"), {**REFUND, "name": ""})
    assert response.status_code == 400
    assert not Rule.objects.exists()
    assert 'value="refund"' in response.content.decode()


def test_editing_an_active_rule_into_a_loop_is_refused_with_the_rule_names(admin_client, admin):
    # Solved -> reopen, and open -> solve: each would set off the other.
    first = _rule(
        admin,
        name="Reopen solved",
        trigger=Trigger.STATUS_CHANGED,
        conditions={"all": [{"field": "status", "op": "is", "value": "solved"}]},
        actions=[{"type": "set_status", "params": {"status": "open"}}],
    )
    second = _rule(
        admin,
        name="Solve reopened",
        trigger=Trigger.STATUS_CHANGED,
        conditions={"all": [{"field": "status", "op": "is", "value": "open"}]},
        actions=[{"type": "add_tags", "params": {"tags": ["reopened"]}}],
    )
    rule_set_active(actor=admin, rule=first, active=True)
    rule_set_active(actor=admin, rule=second, active=True)
    data = {
        **REFUND,
        "name": "Solve reopened",
        "trigger": "status_changed",
        "c-all-0-field": "status",
        "c-all-0-op": "is",
        "c-all-0-value": "open",
        "a-0-type": "set_status",
        "a-0-p-status": "solved",
        "a-1-type": "",
    }
    response = admin_client.post(reverse("web:manage_rule", args=[second.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Solve reopened → Reopen solved → Solve reopened" in page
    second.refresh_from_db()
    assert second.actions == [{"type": "add_tags", "params": {"tags": ["reopened"]}}]
    # What was typed is still there.
    assert '<option value="set_status" selected>' in page


def test_saving_an_inactive_rule_that_would_loop_warns(admin_client, admin):
    first = _rule(
        admin,
        name="Reopen solved",
        trigger=Trigger.STATUS_CHANGED,
        conditions={"all": [{"field": "status", "op": "is", "value": "solved"}]},
        actions=[{"type": "set_status", "params": {"status": "open"}}],
    )
    rule_set_active(actor=admin, rule=first, active=True)
    data = {
        **REFUND,
        "name": "Solve reopened",
        "trigger": "status_changed",
        "c-all-0-field": "status",
        "c-all-0-op": "is",
        "c-all-0-value": "open",
        "a-0-type": "set_status",
        "a-0-p-status": "solved",
        "a-1-type": "",
    }
    response = admin_client.post(reverse("web:manage_rule_new"), data, follow=True)
    page = response.content.decode()
    assert Rule.objects.get(name="Solve reopened").is_active is False
    assert "cannot be switched on" in page
    assert "Solve reopened → Reopen solved" in page


def test_enabling_a_rule_that_closes_a_loop_is_refused_in_the_list(admin_client, admin):
    first = _rule(
        admin,
        name="Reopen solved",
        trigger=Trigger.STATUS_CHANGED,
        conditions={"all": [{"field": "status", "op": "is", "value": "solved"}]},
        actions=[{"type": "set_status", "params": {"status": "open"}}],
    )
    second = _rule(
        admin,
        name="Solve reopened",
        trigger=Trigger.STATUS_CHANGED,
        conditions={"all": [{"field": "status", "op": "is", "value": "open"}]},
        actions=[{"type": "set_status", "params": {"status": "solved"}}],
    )
    rule_set_active(actor=admin, rule=first, active=True)
    response = admin_client.post(
        reverse("web:manage_rule_toggle", args=[second.pk]), {"active": "1"}, follow=True
    )
    page = response.content.decode()
    assert "Solve reopened → Reopen solved" in page
    second.refresh_from_db()
    assert second.is_active is False


def test_the_list_shows_the_rules_in_order_with_who_changed_them(admin_client, admin):
    _rule(admin, name="First")
    second = _rule(admin, name="Second")
    page = admin_client.get(reverse("web:manage_rules")).content.decode()
    assert page.index("First") < page.index("Second")
    assert admin.name in page
    assert "Message text contains refund" in page
    admin_client.post(reverse("web:manage_rule_move", args=[second.pk]), {"direction": "up"})
    page = admin_client.get(reverse("web:manage_rules")).content.decode()
    assert page.index("Second") < page.index("First")


def test_the_list_costs_the_same_with_more_rules(admin_client, admin):
    _rule(admin, name="One")
    admin_client.get(reverse("web:manage_rules"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(reverse("web:manage_rules")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(5):
        _rule(admin, name=f"Rule {n}")
    cache.clear()
    admin_client.get(reverse("web:manage_rules"))
    assert count() == few


def test_enable_and_disable_from_the_list(admin_client, admin):
    rule = _rule(admin)
    admin_client.post(reverse("web:manage_rule_toggle", args=[rule.pk]), {"active": "1"})
    rule.refresh_from_db()
    assert rule.is_active
    admin_client.post(reverse("web:manage_rule_toggle", args=[rule.pk]), {"active": "0"})
    rule.refresh_from_db()
    assert not rule.is_active
    actions = list(RuleChange.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["created", "enabled", "disabled"]


def test_dry_run_from_the_form_shows_the_matches_and_keeps_the_input(admin_client, inbox):
    hit = conversation_for(inbox, subject="Money", body_text="I want a refund please")
    conversation_for(inbox, subject="Hello", body_text="Where is my parcel?")
    response = admin_client.post(reverse("web:manage_rule_new"), {**REFUND, "do": "dry_run"})
    assert response.status_code == 200
    page = response.content.decode()
    assert not Rule.objects.exists()
    assert "Would have matched 1 of the last 2 conversations." in page
    assert reverse("web:conversation", args=[hit.pk]) in page
    assert 'value="refund"' in page


def test_dry_run_page_of_a_saved_rule(admin_client, admin, inbox):
    conversation_for(inbox, subject="Money", body_text="refund now")
    rule = _rule(admin)
    response = admin_client.get(reverse("web:manage_rule_dry_run", args=[rule.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Would have matched 1 of the last 1 conversations." in page
    assert "Switch the rule on" in page


def test_history_shows_who_changed_what(admin_client, admin):
    rule = _rule(admin)
    rule_update(actor=admin, rule=rule, name="Tag refund requests")
    page = admin_client.get(reverse("web:manage_rule_history", args=[rule.pk])).content.decode()
    assert "Edited" in page and "Created" in page
    assert "<del>Tag refunds</del>" in page
    assert "<ins>Tag refund requests</ins>" in page
    assert admin.name in page


def _run(rule, conversation, outcome="matched", **extra) -> RuleRun:
    return RuleRun.objects.create(
        conversation=conversation,
        rule=rule,
        rule_name=rule.name,
        trigger=rule.trigger,
        change_key=extra.pop("change_key", "message:1"),
        outcome=outcome,
        reasons=[
            {
                "field": "message_text",
                "op": "contains",
                "value": "refund",
                "actual": "…",
                "result": True,
            }
        ],
        done=[
            {"type": "add_tags", "params": {"tags": ["refund"]}, "done": True, "detail": "refund"}
        ],
        **extra,
    )


def test_the_rule_runs_page_lists_its_runs(admin_client, admin, conversation):
    rule = _rule(admin)
    _run(rule, conversation)
    page = admin_client.get(reverse("web:manage_rule_runs", args=[rule.pk])).content.decode()
    assert f"#{conversation.pk}" in page
    assert 'data-rule-run="matched"' in page


def test_the_conversation_trace_is_loaded_apart_from_the_page(agent_client, admin, conversation):
    rule = _rule(admin)
    _run(rule, conversation)
    _run(rule, conversation, outcome="skipped", change_key="message:2", skip_reason="loop cap")
    page = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    trace_url = reverse("web:conversation_automation", args=[conversation.pk])
    # The page only links to the trace (htmx loads it when the panel is opened).
    assert trace_url in page
    assert "loop cap" not in page
    trace = agent_client.get(trace_url).content.decode()
    assert "data-automation-trace" in trace
    assert "Tag refunds" in trace
    assert "loop cap" in trace
    assert "message_text" in trace


def test_an_outsider_cannot_read_the_trace(outsider_client, conversation):
    response = outsider_client.get(reverse("web:conversation_automation", args=[conversation.pk]))
    assert response.status_code == 404


def test_agents_cannot_manage_rules(agent_client, admin):
    rule = _rule(admin)
    assert agent_client.get(reverse("web:manage_rules")).status_code == 403
    assert agent_client.post(reverse("web:manage_rule_new"), REFUND).status_code == 403
    response = agent_client.post(reverse("web:manage_rule_toggle", args=[rule.pk]), {"active": "1"})
    assert response.status_code == 403
    rule.refresh_from_db()
    assert not rule.is_active


def test_blank_rows_are_offered_and_refresh_draws_the_inputs_of_a_field(admin_client):
    page = admin_client.get(reverse("web:manage_rule_new")).content.decode()
    assert 'name="c-all-1-field"' in page and 'name="a-1-type"' in page
    data = {**REFUND, "do": "refresh", "c-all-1-field": "status"}
    page = admin_client.post(reverse("web:manage_rule_new"), data).content.decode()
    assert not Rule.objects.exists()
    # The status row now has its operators and the statuses to choose from.
    assert 'name="c-all-1-op"' in page
    assert '<option value="pending">' in page


def test_bad_input_never_breaks_the_form(admin_client):
    data = {
        "name": "x" * 500,
        "trigger": "nonsense",
        "c-all-0-field": "no_such_field",
        "c-all-0-op": "??",
        "c-all-0-value": "\x00",
        "a-0-type": "launch_rockets",
        "delay_amount": "soon",
        "do": "save",
    }
    response = admin_client.post(reverse("web:manage_rule_new"), data)
    assert response.status_code == 400
    assert not Rule.objects.exists()


def test_rows_added_by_the_script_are_read(admin_client):
    # The script numbers the rows it adds from 1000 up, in any order.
    data = {
        **REFUND,
        "c-all-1003-field": "subject",
        "c-all-1003-op": "starts_with",
        "c-all-1003-value": "Re:",
        "a-1001-type": "add_note",
        "a-1001-p-body": "Refund asked",
    }
    assert admin_client.post(reverse("web:manage_rule_new"), data).status_code == 302
    rule = Rule.objects.get()
    assert [c["field"] for c in rule.conditions["all"]] == ["message_text", "subject"]
    assert [a["type"] for a in rule.actions] == ["add_tags", "set_priority", "add_note"]


def test_the_trace_and_the_runs_page_cost_the_same_with_more_runs(
    agent_client, admin_client, admin, conversation
):
    rule = _rule(admin)
    trace = reverse("web:conversation_automation", args=[conversation.pk])
    runs = reverse("web:manage_rule_runs", args=[rule.pk])

    def count(client, url) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _run(rule, conversation)
    few = count(agent_client, trace), count(admin_client, runs)
    for n in range(2, 12):
        _run(rule, conversation, change_key=f"message:{n}")
    assert (count(agent_client, trace), count(admin_client, runs)) == few
