"""Every endpoint against every kind of caller: anonymous, another team's agent, a read-only
token. None of them may read or change what is not theirs."""

import datetime as dt
import itertools
import re

import pytest
from django.test import Client
from django.utils import timezone

from carefront.accounts.models import Role, Team
from carefront.accounts.tests.factories import AgentFactory
from carefront.automation.models import SavedReply
from carefront.automation.services import saved_reply_create
from carefront.conversations.inbound import InboundAttachment
from carefront.conversations.models import Attachment, Conversation, Message
from carefront.conversations.services import conversation_set_tags
from carefront.conversations.tests.factories import receive
from carefront.customers.models import Customer, CustomerIdentity
from carefront.feedback.models import Rating, RecoveryTask
from carefront.notifications.models import Notification
from carefront.quality.models import Review
from carefront.sla.models import FollowUp, SlaPolicy
from carefront.sla.services import followup_create
from carefront.sla.services.policies_admin import sla_policy_create

pytestmark = pytest.mark.django_db

SECRETS = ("Where is my parcel", "ana@example.com", "Ana Lima", "parcel-photo.jpg")


@pytest.fixture
def conversation(inbox, agent, team):
    """The agent's team's conversation, with an attachment, a tag and a saved reply around."""
    conversation = receive(
        inbox,
        from_address="ana@example.com",
        from_name="Ana Lima",
        subject="Where is my parcel?",
        body_text="Hello, my parcel has not arrived.",
        attachments=[
            InboundAttachment(filename="parcel-photo.jpg", content_type="image/jpeg", data=b"jpg")
        ],
    ).conversation
    conversation_set_tags(conversation=conversation, names=["shipping"], actor=agent)
    _rate(conversation, agent)
    _review_world(conversation, agent)
    _notification_of(agent.pk, conversation)
    saved_reply_create(
        actor=AgentFactory(role=Role.LEAD), title="Hello", body="Hi {{ customer.name }}"
    )
    for days in (1, 2):  # one to mark done, one to cancel
        followup_create(
            conversation=conversation,
            owner=agent,
            due_at=timezone.now() + dt.timedelta(days=days),
            actor=agent,
        )
    return conversation


def _rate(conversation, agent) -> None:
    """The customer rates the conversation (its survey sent at once), with a comment."""
    from carefront.conversations.services import conversation_set_status
    from carefront.feedback.models import Survey
    from carefront.feedback.services import rating_record, survey_schedule, survey_send

    conversation.inbox.rating_delay_minutes = 0
    conversation.inbox.save(update_fields=["rating_delay_minutes"])
    conversation_set_status(conversation=conversation, status="solved", actor=agent)
    # The status event waits for a commit that never comes inside the test: schedule directly.
    survey = survey_schedule(conversation_id=conversation.pk)
    survey_send(survey_id=survey.pk)
    rating = rating_record(
        survey=Survey.objects.get(pk=survey.pk), score="okay", comment="Ana Lima says"
    )
    conversation_set_status(conversation=conversation, status="open", actor=agent)
    _recovery_task(rating, agent)


def _recovery_task(rating, agent) -> None:
    """A recovery task for the rating, owned by the team's agent (who may then read, reassign
    and close it)."""
    from carefront.feedback.services import recovery_open

    task = recovery_open(
        source_kind="csat",
        source_id=rating.pk,
        customer_id=rating.customer_id,
        conversation_id=rating.conversation_id,
        reason="negative_comment",
        comment=rating.comment,
    )
    RecoveryTask.objects.filter(pk=task.pk).update(owner=agent)


def _review_world(conversation, agent) -> None:
    """A scorecard, and two reviews of the agent's work in the conversation (assigned to them):
    one to answer and dispute, one already disputed for a lead to resolve."""
    from carefront.conversations.services import conversation_assign
    from carefront.quality.models import Review, ReviewScore
    from carefront.quality.services import CategoryIn, scorecard_create

    conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    lead = AgentFactory(role=Role.LEAD)
    card = scorecard_create(
        actor=lead, name="Matrix", scale="1-4", categories=[CategoryIn(name="Tone")]
    )
    version = card.versions.get()
    for state in ("submitted", "disputed"):
        review = Review.objects.create(
            conversation=conversation,
            agent=agent,
            reviewer=AgentFactory(role=Role.LEAD),
            version=version,
            score=100,
            state=state,
        )
        ReviewScore.objects.create(review=review, category=version.categories.get(), value=4)


# How an agent of another team must fare on each endpoint:
#   "object": 404 (another team's object, not told apart from a missing one)
#   "list":   200 with none of the other team's rows
#   "own":    200 about themselves (/me, their own team and teammates, customers they create)
#   "shared": 200, the shared vocabulary every agent uses in the UI (tags, saved replies)
#   "admin":  403 (admins only; leads too for saved replies)
#   "admin object": 404 (as "object"; the team's own members get 403, admins only)
#   "own action": 200, a change to the caller's own things only (mark their notifications read)
OBJECT, LIST, OWN, SHARED, ADMIN = "object", "list", "own", "shared", "admin"
ADMIN_OBJECT = "admin object"
OWN_ACTION = "own action"
_emails = itertools.count()


def endpoints(conversation) -> list[tuple[str, str, dict | None]]:
    return [(method, url, payload) for method, url, payload, _kind in matrix(conversation)]


def matrix(conversation) -> list[tuple[str, str, dict | None, str]]:
    c = conversation.pk
    customer = conversation.customer_id
    team = conversation.inbox.teams.first().pk
    member = conversation.inbox.teams.first().members.first().pk
    attachment = Attachment.objects.filter(message__conversation=conversation).first().pk
    saved_reply = SavedReply.objects.first().pk
    rating = Rating.objects.get(conversation=conversation).pk
    notification = _notification_of(member, conversation).pk
    done, cancelled = FollowUp.objects.filter(conversation=conversation).order_by("id")[:2]
    later = (timezone.now() + dt.timedelta(days=3)).isoformat()
    task = RecoveryTask.objects.get(conversation=conversation).pk
    review, disputed = Review.objects.filter(conversation=conversation).order_by("id")[:2]
    card = review.version.scorecard_id
    tone = review.version.categories.get().pk
    new_card = {"name": f"Card {next(_emails)}", "scale": "1-4", "categories": [{"name": "A"}]}
    new_review = {
        "conversation_id": c,
        "agent_id": member,
        "scorecard_id": card,
        "scores": [{"category_id": tone, "value": 3}],
    }
    return [
        ("get", "/api/v1/conversations", None, LIST),
        ("get", f"/api/v1/conversations?customer_id={customer}", None, LIST),
        ("get", f"/api/v1/conversations/{c}", None, OBJECT),
        ("get", f"/api/v1/conversations/{c}/messages", None, OBJECT),
        # Before any reply below: a reply keeps the promises.
        ("get", f"/api/v1/conversations/{c}/follow-ups", None, OBJECT),
        ("post", f"/api/v1/conversations/{c}/follow-ups/{done.pk}/complete", None, OBJECT),
        ("post", f"/api/v1/conversations/{c}/follow-ups/{cancelled.pk}/cancel", None, OBJECT),
        ("post", f"/api/v1/conversations/{c}/follow-ups", {"due_at": later}, OBJECT),
        ("post", f"/api/v1/conversations/{c}/wake", None, OBJECT),
        ("post", f"/api/v1/conversations/{c}/snooze", {"until": later}, OBJECT),
        ("post", "/api/v1/conversations", _create_payload(conversation), OBJECT),
        ("post", f"/api/v1/conversations/{c}/replies", {"body": "Hello"}, OBJECT),
        ("post", f"/api/v1/conversations/{c}/notes", {"body": "Psst"}, OBJECT),
        ("post", f"/api/v1/conversations/{c}/assign", {"assignee_id": None}, OBJECT),
        ("post", f"/api/v1/conversations/{c}/status", {"status": "solved"}, OBJECT),
        ("post", f"/api/v1/conversations/{c}/priority", {"priority": "urgent"}, OBJECT),
        ("get", "/api/v1/conversations?priority=urgent&sort=priority", None, LIST),
        ("put", f"/api/v1/conversations/{c}/tags", {"tags": ["x"]}, OBJECT),
        ("get", "/api/v1/customers", None, LIST),
        ("get", "/api/v1/customers?email=ana@example.com", None, LIST),
        ("post", "/api/v1/customers", {"email": f"new{next(_emails)}@example.com"}, OWN),
        ("get", f"/api/v1/customers/{customer}", None, OBJECT),
        ("patch", f"/api/v1/customers/{customer}", {"notes": "x", "attributes": {"a": 1}}, OBJECT),
        (
            "post",
            f"/api/v1/customers/{customer}/identities",
            {"value": f"alias{next(_emails)}@example.com"},
            OBJECT,
        ),
        ("get", "/api/v1/inboxes", None, LIST),
        ("get", "/api/v1/teams", None, OWN),
        ("get", f"/api/v1/teams/{team}", None, OBJECT),
        ("post", "/api/v1/teams", {"name": f"Team x{next(_emails)}"}, ADMIN),
        ("patch", f"/api/v1/teams/{team}", {"description": "changed"}, ADMIN_OBJECT),
        ("get", "/api/v1/agents", None, OWN),
        ("get", f"/api/v1/agents?team_id={team}", None, LIST),
        ("get", f"/api/v1/agents/{member}", None, OBJECT),
        ("get", "/api/v1/me", None, OWN),
        ("get", "/api/v1/me/availability", None, OWN),
        ("put", "/api/v1/me/availability", {"availability": "online"}, OWN),
        ("get", "/api/v1/tags", None, SHARED),
        ("get", "/api/v1/saved-replies", None, SHARED),
        ("get", f"/api/v1/saved-replies/{saved_reply}", None, SHARED),
        (
            "get",
            f"/api/v1/saved-replies/{saved_reply}/render?conversation_id={c}",
            None,
            OBJECT,
        ),
        ("get", "/api/v1/search?q=parcel", None, LIST),
        ("get", f"/api/v1/search?q=%23{c}", None, LIST),
        ("get", "/api/v1/search?q=ana@example.com", None, LIST),
        ("get", f"/api/v1/attachments/{attachment}", None, OBJECT),
        ("get", "/api/v1/ratings", None, LIST),
        ("get", "/api/v1/ratings?score=okay&agent_id=me", None, LIST),
        ("get", f"/api/v1/ratings/{rating}", None, OBJECT),
        ("get", f"/api/v1/conversations/{c}/ratings", None, OBJECT),
        ("get", f"/api/v1/attachments/{attachment}/download", None, OBJECT),
        ("get", "/api/v1/notifications", None, LIST),
        ("get", "/api/v1/notifications?unread=true", None, LIST),
        ("post", f"/api/v1/notifications/{notification}/read", None, OBJECT),
        ("post", "/api/v1/notifications/read", {}, OWN_ACTION),
        ("get", "/api/v1/notifications/preferences", None, OWN),
        ("put", "/api/v1/notifications/preferences", {"email": True}, OWN),
        ("get", "/api/v1/recovery-tasks", None, LIST),
        ("get", "/api/v1/recovery-tasks?owner=anyone&state=open", None, LIST),
        ("get", f"/api/v1/recovery-tasks/{task}", None, OBJECT),
        ("post", f"/api/v1/recovery-tasks/{task}/reassign", {"owner_id": member}, OBJECT),
        ("post", f"/api/v1/recovery-tasks/{task}/close", {"outcome": "resolved"}, OBJECT),
        ("get", "/api/v1/qa/marks", None, LIST),
        ("get", f"/api/v1/qa/marks?conversation_id={c}", None, LIST),
        ("get", "/api/v1/scorecards", None, SHARED),
        ("get", f"/api/v1/scorecards/{card}", None, SHARED),
        ("post", "/api/v1/scorecards", new_card, ADMIN),
        # Before the new version below: the review scores the first version's categories.
        ("post", "/api/v1/reviews", new_review, ADMIN),
        ("put", f"/api/v1/scorecards/{card}", new_card, ADMIN),
        ("get", "/api/v1/reviews", None, LIST),
        ("get", f"/api/v1/reviews/{review.pk}", None, OBJECT),
        ("post", f"/api/v1/reviews/{review.pk}/reply", {"text": "Thanks"}, OBJECT),
        ("post", f"/api/v1/reviews/{review.pk}/dispute", {"text": "Unfair"}, OBJECT),
        (
            "post",
            f"/api/v1/reviews/{disputed.pk}/resolve",
            {"accept": False, "resolution": "It stands"},
            ADMIN_OBJECT,
        ),
        ("get", "/api/v1/reports/feedback?since=2026-03-01&until=2026-03-31", None, OWN),
        ("post", "/api/v1/saved-replies", {"title": "New", "body": "Hi"}, ADMIN),
        ("patch", f"/api/v1/saved-replies/{saved_reply}", {"title": "Renamed"}, ADMIN),
        # Last: the rows above use the saved reply.
        ("delete", f"/api/v1/saved-replies/{saved_reply}", None, ADMIN),
        ("get", f"/api/v1/conversations/{c}/triage", None, OBJECT),
        ("patch", f"/api/v1/conversations/{c}/triage", {"intent": "delivery"}, OBJECT),
    ]


def _notification_of(agent_id: int, conversation):
    """A notification for the team's member about the conversation (made once)."""
    from carefront.notifications.services import notification_create

    return Notification.objects.filter(dedupe_key="matrix").first() or notification_create(
        recipient=AgentFactory._meta.model.objects.get(pk=agent_id),
        kind="sla_breached",
        conversation_id=conversation.pk,
        dedupe_key="matrix",
        target="first_reply",
    )


def lead_endpoints(campaign) -> list[tuple[str, str]]:
    """Read-only endpoints for leads and admins (NPS): agents get 403."""
    n = campaign.pk
    return [
        ("get", "/api/v1/nps/campaigns"),
        ("get", f"/api/v1/nps/campaigns/{n}"),
        ("get", f"/api/v1/nps/campaigns/{n}/results?period=month"),
        ("get", "/api/v1/nps/results"),
    ]


def knowledge_endpoints() -> list[tuple[str, str]]:
    """Knowledge base: public reads answer anonymous callers (published public content only),
    writes need a token; not scoped by team. Tested in test_knowledge_api.py."""
    return [
        ("get", "/api/v1/articles"),
        ("post", "/api/v1/articles"),
        ("get", "/api/v1/articles/suggestions"),
        ("get", "/api/v1/articles/1"),
        ("patch", "/api/v1/articles/1"),
        ("get", "/api/v1/categories"),
        ("post", "/api/v1/categories"),
    ]


def feedback_endpoints() -> list[tuple[str, str]]:
    """The feedback inbox: leads and admins only (403 for agents, 401 anonymous; tested with
    real and forged ids in test_feedback.py)."""
    return [
        ("get", "/api/v1/feedback/comments"),
        ("get", "/api/v1/feedback/themes"),
        ("get", "/api/v1/feedback/themes/1"),
        ("post", "/api/v1/feedback/themes/1/rename"),
        ("post", "/api/v1/feedback/themes/1/merge"),
        ("post", "/api/v1/feedback/themes/1/split"),
        ("post", "/api/v1/feedback/comments/move"),
        ("post", "/api/v1/feedback/regroup"),
    ]


@pytest.fixture
def nps_campaign(admin, inbox):
    from carefront.feedback.services import nps_campaign_create

    return nps_campaign_create(actor=admin, name="Spring NPS", sender_inbox=inbox)


def improvement_endpoints() -> list[tuple[str, str]]:
    """Leads and admins (tested in test_improvements.py: agents get 403)."""
    return [
        ("get", "/api/v1/improvements"),
        ("post", "/api/v1/improvements"),
        ("get", "/api/v1/improvements/1"),
        ("patch", "/api/v1/improvements/1"),
        ("post", "/api/v1/improvements/1/links"),
        ("post", "/api/v1/improvements/1/ship"),
    ]


def rules_endpoints() -> list[tuple[str, str]]:
    """Rules: admins (agents and leads get 403); a conversation's trace for whoever may see the
    conversation (tested in test_rules_api.py)."""
    return [
        ("get", "/api/v1/rules"),
        ("post", "/api/v1/rules"),
        ("get", "/api/v1/rules/1"),
        ("patch", "/api/v1/rules/1"),
        ("delete", "/api/v1/rules/1"),
        ("post", "/api/v1/rules/1/enable"),
        ("post", "/api/v1/rules/1/disable"),
        ("get", "/api/v1/rules/1/runs"),
        ("get", "/api/v1/conversations/1/trace"),
    ]


def test_the_matrices_cover_every_endpoint_of_the_api(
    conversation, webhook_world, nps_campaign, people_world
):
    """Every operation of the OpenAPI document is in `matrix` or in `admin_endpoints` (below)."""
    from carefront.api.main import api

    declared = {
        (method.lower(), path.removeprefix("/api/v1"))
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
    }
    rows = [(method, url) for method, url, _payload, _kind in matrix(conversation)]
    rows += [(method, url) for method, url, _payload, _ok in admin_endpoints(*webhook_world)]
    rows += lead_endpoints(nps_campaign)
    rows += knowledge_endpoints()
    rows += [(method, url) for method, url, _payload in people_endpoints(*people_world)]
    rows += improvement_endpoints()
    rows += feedback_endpoints()
    rows += rules_endpoints()
    covered = set()
    for method, url in rows:
        path = url.split("?")[0].removeprefix("/api/v1")
        covered |= {(m, p) for m, p in declared if m == method and _matches(p, path)}
    assert declared - covered == set()


def _matches(template: str, path: str) -> bool:
    return re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path) is not None


WRITES = {"post", "put", "patch", "delete"}


def _create_payload(conversation) -> dict:
    return {"inbox_id": conversation.inbox_id, "customer": {"email": "x@example.com"}, "body": "Hi"}


def _call(client: Client, method: str, url: str, payload: dict | None):
    if payload is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, payload, content_type="application/json")


def _snapshot() -> tuple:
    return (
        list(
            Conversation.objects.values_list("id", "status", "priority", "assignee_id").order_by(
                "id"
            )
        ),
        Message.objects.count(),
        Attachment.objects.count(),
        sorted(Conversation.tags.through.objects.values_list("conversation_id", "tag_id")),
        list(
            Customer.objects.filter(email="ana@example.com").values_list(
                "name", "notes", "attributes", "updated_at"
            )
        ),
        sorted(
            CustomerIdentity.objects.filter(customer__email="ana@example.com").values_list(
                "value", flat=True
            )
        ),
        list(Team.objects.values_list("id", "name", "description").order_by("id")),
        sorted(Team.members.through.objects.values_list("team_id", "agent_id")),
        list(SavedReply.objects.values_list("id", "title", "body").order_by("id")),
        list(Notification.objects.values_list("id", "read_at").order_by("id")),
        list(FollowUp.objects.values_list("id", "state").order_by("id")),
        list(Conversation.objects.values_list("id", "snoozed_until").order_by("id")),
        list(RecoveryTask.objects.values_list("id", "state", "owner_id").order_by("id")),
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
    customers_before = Customer.objects.count()
    team = conversation.inbox.teams.first()
    member_emails = list(team.members.values_list("email", flat=True))
    for method, url, payload, kind in matrix(conversation):
        response = _call(outsider_api, method, url, payload)
        body = response.json()
        expected = {OBJECT: 404, ADMIN_OBJECT: 404, ADMIN: 403, OWN_ACTION: 200}.get(
            kind, 201 if method == "post" else 200
        )
        assert response.status_code == expected, (method, url, response.content)
        if kind == LIST:
            assert body["items"] == [], url
        if kind in {OBJECT, ADMIN_OBJECT}:
            assert body["code"] == "not_found", url
        content = response.content.decode()
        for secret in (*SECRETS, conversation.inbox.name, team.name, *member_emails):
            assert secret not in content, (method, url, secret)
    assert _snapshot() == before
    # Only the customer the outsider created themselves is new.
    assert Customer.objects.count() == customers_before + 1


def test_another_teams_agent_sees_no_team_or_colleague_of_theirs(outsider_api, conversation):
    team = conversation.inbox.teams.first()
    member = team.members.first()
    for url in ("/api/v1/teams", "/api/v1/agents", f"/api/v1/agents?team_id={team.pk}"):
        content = outsider_api.get(url).content.decode()
        assert team.name not in content, url
        assert member.email not in content, url


def test_filtering_on_another_teams_inbox_returns_nothing(outsider_api, conversation):
    for params in ({"inbox_id": conversation.inbox_id}, {"status": "open"}, {"folder": "all"}):
        assert outsider_api.get("/api/v1/conversations", params).json()["items"] == []


def test_read_only_token_reads_but_gets_403_on_every_write(read_api, conversation):
    before = _snapshot()
    customers_before = Customer.objects.count()
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
    assert Customer.objects.count() == customers_before


def test_read_write_token_reaches_every_endpoint(api, conversation):
    for method, url, payload, kind in matrix(conversation):
        response = _call(api, method, url, payload)
        if kind in {ADMIN, ADMIN_OBJECT}:
            assert response.status_code == 403, (method, url)
        else:
            assert response.status_code in {200, 201}, (method, url, response.content)


def test_an_admin_reaches_the_admin_endpoints(admin_api, conversation):
    for method, url, payload, kind in matrix(conversation):
        if kind in {ADMIN, ADMIN_OBJECT}:
            response = _call(admin_api, method, url, payload)
            assert response.status_code in {200, 201, 204}, (method, url, response.content)


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


def admin_endpoints(webhook, delivery, held, policy) -> list[tuple[str, str, dict | None, int]]:
    w, d, h, s = webhook.pk, delivery.pk, held.pk, policy.pk
    new_policy = {"name": "New", "first_reply_minutes": 60}
    return [
        ("get", "/api/v1/sla-policies", None, 200),
        ("post", "/api/v1/sla-policies", new_policy, 201),
        ("get", f"/api/v1/sla-policies/{s}", None, 200),
        ("put", f"/api/v1/sla-policies/{s}", {"name": "All", "resolution_minutes": 600}, 200),
        ("post", f"/api/v1/sla-policies/{s}/move", {"direction": "down"}, 200),
        ("delete", f"/api/v1/sla-policies/{s}", None, 204),
        ("get", "/api/v1/held-mail", None, 200),
        ("get", "/api/v1/held-mail/counts", None, 200),
        ("get", f"/api/v1/held-mail/{h}", None, 200),
        ("post", f"/api/v1/held-mail/{h}/release", {}, 200),
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
        ("get", "/api/v1/triage/model", None, 200),
        ("post", "/api/v1/triage/model/retrain", {}, 202),
    ]


@pytest.fixture
def webhook_world(admin, inbox):
    """A webhook, one of its deliveries, a held email (an auto-reply to nothing) and an SLA
    policy."""
    from carefront.inboxes.services import email_ingest
    from carefront.webhooks.models import WebhookDelivery
    from carefront.webhooks.services import webhook_subscription_create

    webhook = webhook_subscription_create(
        actor=admin, url="https://hooks.example.com/cf", event_types=["customer.created"]
    )
    delivery = WebhookDelivery.objects.create(
        subscription=webhook, event_type="customer.created", payload='{"id": "x"}'
    )
    held = email_ingest(
        inbox=inbox,
        data=(
            f"From: dora@example.com\r\nTo: {inbox.email_address}\r\nSubject: Away\r\n"
            "Auto-Submitted: auto-replied\r\n\r\nBack on Monday."
        ).encode(),
        source="test",
    ).raw
    policy = sla_policy_create(actor=admin, name="Everyone", first_reply_minutes=240)
    return webhook, delivery, held, policy


def _webhook_snapshot() -> tuple:
    from carefront.inboxes.models import RawInbound
    from carefront.webhooks.models import WebhookDelivery, WebhookSubscription

    return (
        list(RawInbound.objects.values_list("id", "status", "released_at")),
        Message.objects.count(),
        list(
            WebhookSubscription.objects.values_list("id", "url", "description", "secret", "state")
        ),
        WebhookDelivery.objects.count(),
        list(SlaPolicy.objects.values_list("id", "name", "position", "first_reply_minutes")),
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


def test_nps_endpoints_want_a_lead_or_admin(client, agent, nps_campaign):
    from .conftest import token_client

    plain_agent = token_client(agent)
    lead = token_client(AgentFactory(role=Role.LEAD))
    for method, url in lead_endpoints(nps_campaign):
        assert _call(client, method, url, None).status_code == 401, url
        response = _call(plain_agent, method, url, None)
        assert response.status_code == 403, url
        assert "Spring NPS" not in response.content.decode()
        assert _call(lead, method, url, None).status_code == 200, url


# Training, kudos and the pulse (quality app): their scoping by team is tested in
# test_people_api.py; here, that every one of them wants a caller and honours read-only tokens.


def people_endpoints(team_id: int, item_id: int, colleague_id: int) -> list:
    return [
        ("get", "/api/v1/training/mine", None),
        ("get", "/api/v1/training", None),
        (
            "post",
            "/api/v1/training",
            {
                "title": "Tone",
                "url": "https://kb.example.test/tone",
                "due_at": (timezone.now() + dt.timedelta(days=3)).isoformat(),
                "team_ids": [team_id],
            },
        ),
        ("get", f"/api/v1/training/{item_id}", None),
        ("post", f"/api/v1/training/{item_id}/acknowledge", {}),
        ("get", "/api/v1/kudos", None),
        ("post", "/api/v1/kudos", {"receiver_id": colleague_id, "message": "Thanks!"}),
        ("get", "/api/v1/pulse", None),
        (
            "post",
            "/api/v1/pulse/answers",
            {"feeling": 4, "workload": 3, "support": 4, "enps": 9, "team_id": team_id},
        ),
        ("get", f"/api/v1/teams/{team_id}/pulse", None),
    ]


@pytest.fixture
def people_world(admin, team, agent):
    from carefront.quality.services.training import training_publish

    team.members.add(admin)
    item = training_publish(
        actor=admin,
        title="Refunds",
        url="/help/articles/refunds/",
        due_at=timezone.now() + dt.timedelta(days=2),
        team_ids=[team.pk],
    )
    return team.pk, item.pk, agent.pk


def test_people_endpoints_want_a_caller_and_honour_read_only_tokens(client, admin, people_world):
    from carefront.accounts.models import TokenScope
    from carefront.quality.models import Kudos, PulseAnswer, TrainingAssignment, TrainingItem

    from .conftest import token_client

    read_only = token_client(admin, TokenScope.READ)
    read_write = token_client(admin)
    for method, url, payload in people_endpoints(*people_world):
        assert _call(client, method, url, payload).status_code == 401, url
        response = _call(read_only, method, url, payload)
        assert response.status_code == (403 if method in WRITES else 200), url
    assert not Kudos.objects.exists() and not PulseAnswer.objects.exists()
    assert TrainingItem.objects.count() == 1
    assert not TrainingAssignment.objects.filter(acknowledged_at__isnull=False).exists()
    for method, url, payload in people_endpoints(*people_world):
        response = _call(read_write, method, url, payload)
        assert response.status_code in {200, 201, 204}, (url, response.content)
