"""The rules endpoints: admins read and write rules, enable and disable them (loops refused with
the rule names); a conversation's trace for whoever may see the conversation; a rule's runs
paged by keyset."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.accounts.models import Role, TokenScope
from carefront.accounts.tests.factories import AgentFactory
from carefront.automation.models import Rule, RuleChange, RuleRun, Trigger
from carefront.automation.rules.services import rule_create, rule_set_active

from .conftest import token_client

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Refunds",
    "trigger": "customer_message",
    "conditions": {"all": [{"field": "message_text", "op": "contains", "value": "refund"}]},
    "actions": [
        {"type": "add_tags", "params": {"tags": ["refund"]}},
        {"type": "set_priority", "params": {"priority": "high"}},
    ],
}


def _rule(admin, **fields) -> Rule:
    values = {
        "name": "Tag refunds",
        "trigger": Trigger.CUSTOMER_MESSAGE,
        "conditions": {"all": [{"field": "message_text", "op": "contains", "value": "refund"}]},
        "actions": [{"type": "add_tags", "params": {"tags": ["refund"]}}],
        **fields,
    }
    return rule_create(actor=admin, **values)


def _run(rule, conversation, n: int) -> RuleRun:
    return RuleRun.objects.create(
        conversation=conversation,
        rule=rule,
        rule_name=rule.name,
        trigger=rule.trigger,
        change_key=f"message:{n}",
        outcome="matched",
        reasons=[{"field": "message_text", "op": "contains", "value": "refund", "result": True}],
        done=[{"type": "add_tags", "params": {"tags": ["refund"]}, "done": True, "detail": ""}],
    )


def test_an_admin_creates_reads_and_lists_rules(admin_api, admin):
    response = admin_api.post("/api/v1/rules", NEW, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_active"] is False
    assert body["actions"][1] == {"type": "set_priority", "params": {"priority": "high"}}
    rule_id = body["id"]
    assert admin_api.get(f"/api/v1/rules/{rule_id}").json()["name"] == "Refunds"
    _rule(admin, name="Second")
    names = [r["name"] for r in admin_api.get("/api/v1/rules").json()["items"]]
    assert names == ["Refunds", "Second"]


def test_enable_disable_and_patch(admin_api, admin):
    rule = _rule(admin)
    response = admin_api.post(f"/api/v1/rules/{rule.pk}/enable")
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    response = admin_api.patch(
        f"/api/v1/rules/{rule.pk}", {"name": "Renamed"}, content_type="application/json"
    )
    assert response.json()["name"] == "Renamed"
    assert response.json()["is_active"] is True
    assert admin_api.post(f"/api/v1/rules/{rule.pk}/disable").json()["is_active"] is False
    actions = list(RuleChange.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["created", "enabled", "updated", "disabled"]


def test_a_bad_rule_is_a_400_with_the_paths(admin_api):
    payload = {
        **NEW,
        "conditions": {"all": [{"field": "message_count", "op": "gte", "value": "many"}]},
    }
    response = admin_api.post("/api/v1/rules", payload, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert "conditions.all.0.value" in body["errors"]
    assert not Rule.objects.exists()


def test_enabling_a_loop_is_refused_with_the_cycle(admin_api, admin):
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
    response = admin_api.post(f"/api/v1/rules/{second.pk}/enable")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "loop"
    assert body["cycle"][:2] == ["Solve reopened", "Reopen solved"]
    second.refresh_from_db()
    assert second.is_active is False


def test_delete(admin_api, admin):
    rule = _rule(admin)
    assert admin_api.delete(f"/api/v1/rules/{rule.pk}").status_code == 204
    assert not Rule.objects.exists()
    assert admin_api.get(f"/api/v1/rules/{rule.pk}").status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD])
def test_agents_and_leads_cannot_manage_rules(role, admin):
    rule = _rule(admin)
    client = token_client(AgentFactory(role=role))
    assert client.get("/api/v1/rules").status_code == 403
    assert client.get(f"/api/v1/rules/{rule.pk}").status_code == 403
    assert client.post("/api/v1/rules", NEW, content_type="application/json").status_code == 403
    assert client.post(f"/api/v1/rules/{rule.pk}/enable").status_code == 403
    assert client.delete(f"/api/v1/rules/{rule.pk}").status_code == 403
    rule.refresh_from_db()
    assert not rule.is_active


def test_a_read_only_admin_token_reads_but_cannot_write(admin):
    rule = _rule(admin)
    client = token_client(admin, TokenScope.READ)
    assert client.get("/api/v1/rules").status_code == 200
    assert client.post(f"/api/v1/rules/{rule.pk}/enable").status_code == 403
    assert client.post("/api/v1/rules", NEW, content_type="application/json").status_code == 403


def test_anonymous_gets_401(client, admin):
    rule = _rule(admin)
    assert client.get("/api/v1/rules").status_code == 401
    assert client.post(f"/api/v1/rules/{rule.pk}/enable").status_code == 401


def test_the_trace_of_a_conversation(api, admin, conversation, outsider_api):
    rule = _rule(admin)
    _run(rule, conversation, 1)
    response = api.get(f"/api/v1/conversations/{conversation.pk}/trace")
    assert response.status_code == 200
    (run,) = response.json()["items"]
    assert run["rule_name"] == "Tag refunds"
    assert run["outcome"] == "matched"
    assert run["reasons"][0]["field"] == "message_text"
    assert run["done"][0]["type"] == "add_tags"
    assert outsider_api.get(f"/api/v1/conversations/{conversation.pk}/trace").status_code == 404


def test_a_rules_runs_are_paged_by_keyset_at_a_fixed_cost(admin_api, admin, conversation):
    rule = _rule(admin)
    for n in range(60):
        _run(rule, conversation, n)
    admin_api.get("/api/v1/rules")  # the token is looked up once, then cached
    with CaptureQueriesContext(connection) as first_ctx:
        first = admin_api.get(f"/api/v1/rules/{rule.pk}/runs").json()
    assert len(first["items"]) == 50
    assert first["next_cursor"]
    with CaptureQueriesContext(connection) as second_ctx:
        second = admin_api.get(f"/api/v1/rules/{rule.pk}/runs?cursor={first['next_cursor']}").json()
    assert len(second["items"]) == 10
    assert second["next_cursor"] is None
    ids = [r["id"] for r in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 60
    assert len(first_ctx.captured_queries) == len(second_ctx.captured_queries)


def test_a_forged_cursor_is_a_400(admin_api, admin):
    rule = _rule(admin)
    response = admin_api.get(f"/api/v1/rules/{rule.pk}/runs?cursor=bm9wZQ")
    assert response.status_code == 400


def test_a_saved_reply_carries_its_macro_actions(admin_api):
    payload = {
        "title": "Refund sent",
        "body": "Your refund is on its way.",
        "actions": [
            {"type": "add_tags", "params": {"tags": ["Billing"]}},
            {"type": "set_status", "params": {"status": "solved"}},
        ],
    }
    response = admin_api.post("/api/v1/saved-replies", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["actions"] == [
        {"type": "add_tags", "params": {"tags": ["billing"]}},
        {"type": "set_status", "params": {"status": "solved"}},
    ]
    bad = {**payload, "actions": [{"type": "webhook", "params": {"url": "https://x"}}]}
    response = admin_api.post("/api/v1/saved-replies", bad, content_type="application/json")
    assert response.status_code == 400
    response = admin_api.patch(
        f"/api/v1/saved-replies/{body['id']}", {"actions": []}, content_type="application/json"
    )
    assert response.json()["actions"] == []
