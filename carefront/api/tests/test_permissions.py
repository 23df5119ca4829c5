"""Every endpoint against every kind of caller: anonymous, another team's agent, a read-only
token. None of them may read or change what is not theirs."""

import pytest
from django.test import Client

from carefront.conversations.models import Conversation, Message

pytestmark = pytest.mark.django_db


def endpoints(conversation) -> list[tuple[str, str, dict | None]]:
    c = conversation.pk
    return [
        ("get", "/api/v1/conversations", None),
        ("get", f"/api/v1/conversations/{c}", None),
        ("get", f"/api/v1/conversations/{c}/messages", None),
        ("post", "/api/v1/conversations", _create_payload(conversation)),
        ("post", f"/api/v1/conversations/{c}/replies", {"body": "Hello"}),
        ("post", f"/api/v1/conversations/{c}/notes", {"body": "Psst"}),
        ("post", f"/api/v1/conversations/{c}/assign", {"assignee_id": None}),
        ("post", f"/api/v1/conversations/{c}/status", {"status": "solved"}),
        ("put", f"/api/v1/conversations/{c}/tags", {"tags": ["x"]}),
        ("get", "/api/v1/customers", None),
        ("get", f"/api/v1/customers/{conversation.customer_id}", None),
        ("get", "/api/v1/inboxes", None),
    ]


WRITES = {"post", "put", "patch", "delete"}


def _create_payload(conversation) -> dict:
    return {"inbox_id": conversation.inbox_id, "customer": {"email": "x@example.com"}, "body": "Hi"}


def _call(client: Client, method: str, url: str, payload: dict | None):
    if payload is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, payload, content_type="application/json")


def _snapshot() -> tuple:
    return (
        list(Conversation.objects.values_list("id", "status", "assignee_id").order_by("id")),
        Message.objects.count(),
        sorted(Conversation.tags.through.objects.values_list("conversation_id", "tag_id")),
    )


def test_anonymous_gets_401_everywhere(client, conversation):
    for method, url, payload in endpoints(conversation):
        response = _call(client, method, url, payload)
        assert response.status_code == 401, (method, url)
        assert response.json()["code"] == "not_authenticated"


def test_a_wrong_or_revoked_token_gets_401(agent, conversation):
    from carefront.accounts.models import ApiToken

    from .conftest import token_client

    bad = Client(headers={"Authorization": "Bearer cf_not-a-token"})
    revoked = token_client(agent)
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    for client in (bad, revoked):
        for method, url, payload in endpoints(conversation):
            assert _call(client, method, url, payload).status_code == 401, (method, url)


def test_another_teams_agent_sees_nothing_and_changes_nothing(outsider_api, conversation):
    before = _snapshot()
    for method, url, payload in endpoints(conversation):
        response = _call(outsider_api, method, url, payload)
        body = response.json()
        if url.endswith(("/conversations", "/customers", "/inboxes")) and method == "get":
            assert response.status_code == 200, url
            assert body["items"] == [], url
        else:
            assert response.status_code == 404, (method, url)
            assert body["code"] == "not_found"
        assert "Where is my parcel" not in response.content.decode()
        assert "ana@example.com" not in response.content.decode()
    assert _snapshot() == before


def test_filtering_on_another_teams_inbox_returns_nothing(outsider_api, conversation):
    for params in ({"inbox_id": conversation.inbox_id}, {"status": "open"}, {"folder": "all"}):
        assert outsider_api.get("/api/v1/conversations", params).json()["items"] == []


def test_read_only_token_reads_but_gets_403_on_every_write(read_api, conversation):
    before = _snapshot()
    for method, url, payload in endpoints(conversation):
        response = _call(read_api, method, url, payload)
        if method in WRITES:
            assert response.status_code == 403, (method, url)
            assert response.json() == {
                "detail": "This token is read-only.",
                "code": "permission_denied",
            }
        else:
            assert response.status_code == 200, (method, url)
    assert _snapshot() == before


def test_read_write_token_reaches_every_endpoint(api, conversation):
    for method, url, payload in endpoints(conversation):
        response = _call(api, method, url, payload)
        assert response.status_code in {200, 201}, (method, url, response.content)


def test_lead_sees_every_inbox(db, conversation):
    from carefront.accounts.models import Role
    from carefront.accounts.tests.factories import AgentFactory

    from .conftest import token_client

    lead = token_client(AgentFactory(role=Role.LEAD))
    assert [i["id"] for i in lead.get("/api/v1/conversations").json()["items"]] == [conversation.pk]


def test_session_calls_need_the_csrf_token_for_writes(agent, conversation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get(f"/api/v1/conversations/{conversation.pk}").status_code == 200
    url = f"/api/v1/conversations/{conversation.pk}/notes"
    refused = client.post(url, {"body": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    client.get("/profile/")  # sets the CSRF cookie, as any UI page does
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        url, {"body": "x"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201


def test_inactive_agents_token_stops_working(agent, conversation):
    from .conftest import token_client

    client = token_client(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert client.get("/api/v1/conversations").status_code == 401


# Admin-only endpoints (webhooks): 401 anonymous, 403 for agents and leads, reads for an
# admin's read-only token, everything for an admin's read-write token.


def admin_endpoints(webhook, delivery) -> list[tuple[str, str, dict | None, int]]:
    w, d = webhook.pk, delivery.pk
    return [
        ("get", "/api/v1/webhooks", None, 200),
        ("post", "/api/v1/webhooks", {"url": "https://x.example/", "event_types": ["ping"]}, 400),
        ("get", f"/api/v1/webhooks/{w}", None, 200),
        ("patch", f"/api/v1/webhooks/{w}", {"description": "CRM"}, 200),
        ("post", f"/api/v1/webhooks/{w}/roll-secret", {}, 200),
        ("post", f"/api/v1/webhooks/{w}/ping", {}, 202),
        ("get", f"/api/v1/webhooks/{w}/deliveries", None, 200),
        ("get", f"/api/v1/webhooks/{w}/deliveries/{d}", None, 200),
        ("post", f"/api/v1/webhooks/{w}/deliveries/{d}/redeliver", {}, 202),
        ("delete", f"/api/v1/webhooks/{w}", None, 204),
    ]


@pytest.fixture
def webhook_world(admin):
    from carefront.webhooks.models import WebhookDelivery
    from carefront.webhooks.services import webhook_subscription_create

    webhook = webhook_subscription_create(
        actor=admin, url="https://hooks.example.com/cf", event_types=["customer.created"]
    )
    delivery = WebhookDelivery.objects.create(
        subscription=webhook, event_type="customer.created", payload='{"id": "x"}'
    )
    return webhook, delivery


def _webhook_snapshot() -> tuple:
    from carefront.webhooks.models import WebhookDelivery, WebhookSubscription

    return (
        list(
            WebhookSubscription.objects.values_list("id", "url", "description", "secret", "state")
        ),
        WebhookDelivery.objects.count(),
    )


def test_anonymous_gets_401_on_admin_endpoints(client, webhook_world):
    for method, url, payload, _ok in admin_endpoints(*webhook_world):
        response = _call(client, method, url, payload)
        assert response.status_code == 401, (method, url)


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_agents_and_leads_get_403_on_admin_endpoints(role, webhook_world):
    from carefront.accounts.tests.factories import AgentFactory

    from .conftest import token_client

    client = token_client(AgentFactory(role=role))
    before = _webhook_snapshot()
    for method, url, payload, _ok in admin_endpoints(*webhook_world):
        response = _call(client, method, url, payload)
        assert response.status_code == 403, (method, url)
        assert response.json()["code"] == "permission_denied"
        assert "whsec_" not in response.content.decode()
    assert _webhook_snapshot() == before


def test_admin_read_only_token_reads_webhooks_but_cannot_write(admin, webhook_world):
    from carefront.accounts.models import TokenScope

    from .conftest import token_client

    client = token_client(admin, TokenScope.READ)
    before = _webhook_snapshot()
    for method, url, payload, ok in admin_endpoints(*webhook_world):
        response = _call(client, method, url, payload)
        assert response.status_code == (403 if method in WRITES else ok), (method, url)
    assert _webhook_snapshot() == before


def test_admin_reaches_every_webhook_endpoint(admin_api, webhook_world):
    for method, url, payload, ok in admin_endpoints(*webhook_world):
        response = _call(admin_api, method, url, payload)
        assert response.status_code == ok, (method, url, response.content)
