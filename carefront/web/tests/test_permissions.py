"""Every route, three kinds of visitor: anonymous -> login, outsider -> 404/403, allowed -> OK."""

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.automation.models import SavedReply
from carefront.conversations.inbound import InboundAttachment
from carefront.conversations.models import Attachment, Message
from carefront.conversations.tests.factories import receive
from carefront.feedback.models import RecoveryTask
from carefront.feedback.services import nps_campaign_create, recovery_open
from carefront.inboxes.chat.services import chat_inbox_create
from carefront.inboxes.models import RawInbound
from carefront.inboxes.services import email_ingest
from carefront.notifications.services import notification_create
from carefront.sla.services import business_calendar_create, followup_create
from carefront.sla.services.policies_admin import sla_policy_create
from carefront.webhooks.models import WebhookDelivery
from carefront.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db


TOMORROW = (timezone.now() + dt.timedelta(days=1)).isoformat()
TOMORROW_LOCAL = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


@dataclass
class Route:
    name: str
    args: list[str]  # names of objects from the `world` fixture
    method: str = "get"
    data: dict = field(default_factory=dict)
    ok: int = 200


# Routes scoped to a conversation (or its customer, files): outsiders get 404.
AGENT_ROUTES = [
    Route("web:inbox", []),
    # Not scoped by URL: the ids an agent cannot see are ignored (see test_inbox.py).
    Route("web:inbox_bulk", [], "post", {"ids": "@conversation", "status": "pending"}, 303),
    Route("web:conversation", ["conversation"]),
    Route("web:composer_articles", ["conversation"]),
    Route("web:conversation_reply", ["conversation"], "post", {"body": "Hello"}, 303),
    Route("web:conversation_note", ["conversation"], "post", {"body": "Call back"}, 303),
    Route("web:conversation_assign", ["conversation"], "post", {"assignee": ""}, 303),
    Route("web:conversation_status", ["conversation"], "post", {"status": "pending"}, 303),
    Route("web:conversation_priority", ["conversation"], "post", {"priority": "urgent"}, 303),
    Route("web:conversation_tags", ["conversation"], "post", {"add": "vip"}, 303),
    Route(
        "web:conversation_customer", ["conversation"], "post", {"email": "real@example.com"}, 303
    ),
    # "@name" in data is the pk of that object of the world.
    Route("web:conversation_merge", ["conversation"], "post", {"target": "@second"}, 303),
    Route("web:saved_reply_text", ["conversation", "saved_reply"]),
    Route("web:conversation_snooze", ["conversation"], "post", {"until": TOMORROW}, 303),
    Route("web:conversation_wake", ["conversation"], "post", {}, 303),
    Route("web:followup_create", ["conversation"], "post", {"due": TOMORROW_LOCAL}, 303),
    Route("web:followup_complete", ["conversation", "follow_up"], "post", {}, 303),
    Route("web:followup_cancel", ["conversation", "follow_up"], "post", {}, 303),
    Route("web:promise_text", ["conversation"], "get", {"due": TOMORROW_LOCAL}),
    Route("web:followups", []),
    Route("web:raw_message", ["conversation", "message"]),
    Route("web:attachment", ["attachment"]),
    Route("web:customer", ["customer"]),
    Route("web:customer_add_email", ["customer"], "post", {"email": "ana2@example.com"}, 303),
    Route("web:customer_edit", ["customer"], "post", {"name": "Ana L.", "notes": "VIP"}, 303),
    Route("web:customer_attribute", ["customer"], "post", {"key": "plan", "value": "pro"}, 303),
    Route("web:notifications", []),
    Route("web:notifications_read_all", [], "post", {}, 302),
    # The agent's own notification: another agent's is a 404.
    Route("web:notification_open", ["notification"], ok=302),
    Route("web:notification_read", ["notification"], "post", {}, 302),
    Route("web:profile", []),
    Route("web:password_change", []),
    Route("web:api_tokens", []),
    Route("web:docs", []),
    Route("web:doc", ["doc"]),
    Route("web:recovery", []),
    # The agent owns the world's recovery task; another team's agent sees only their own.
    Route("web:recovery_task", ["recovery_task"]),
    Route("web:recovery_task_close", ["recovery_task"], "post", {"outcome": "resolved"}, 303),
    Route("web:recovery_task_reassign", ["recovery_task"], "post", {"owner": "@agent"}, 303),
    Route("web:recognition", ["team"]),
    Route("web:quality", []),
    Route("web:reply_check", ["conversation"], "post", {"body": "Hi Ana, thanks!"}),
    # Reviews and coaching: the agent's own; another team's agent gets 404.
    Route("web:quality_reviews", []),
    Route("web:quality_review", ["review"]),
    Route("web:quality_review_answer", ["review"], "post", {"text": "Thanks"}, 303),
    Route("web:quality_scorecards", []),
    Route("web:quality_coaching", []),
    Route("web:quality_coaching_session", ["coaching_session"]),
    # Knowledge base: every agent writes articles (not scoped by inbox).
    Route("web:knowledge", []),
    Route("web:knowledge_new", []),
    Route("web:knowledge_preview", [], "post", {"body": "*hi*"}),
    Route("web:knowledge_image_upload", [], "post", {}, 400),  # no file: a clear 400
    Route("web:knowledge_edit", ["kb_article"]),
    Route("web:knowledge_status", ["kb_article"], "post", {"status": "published"}, 303),
    Route("web:knowledge_revisions", ["kb_article"]),
    Route("web:knowledge_translate", ["kb_article"]),
    Route("web:knowledge_translation_current", ["kb_translation"], "post", {}, 303),
    # Scoped by role, not by URL: an agent sees their own figures (test_feedback_report.py).
    Route("web:feedback_report", []),
    Route("web:feedback_report_csv", ["report_table"]),
    Route("web:training", []),
    Route("web:training_item", ["training_item"]),
    Route("web:training_acknowledge", ["training_item"], "post", {}, 302),
    Route("web:kudos_give", [], "post", {"receiver": "@other_agent", "message": "Thanks"}, 302),
    Route("web:wellbeing", []),
]
SCOPED = {
    "web:quality_review",
    "web:quality_review_answer",
    "web:quality_coaching_session",
    "web:conversation",
    "web:conversation_reply",
    "web:conversation_note",
    "web:conversation_assign",
    "web:conversation_status",
    "web:conversation_priority",
    "web:conversation_tags",
    "web:conversation_customer",
    "web:conversation_merge",
    "web:saved_reply_text",
    "web:conversation_snooze",
    "web:conversation_wake",
    "web:followup_create",
    "web:followup_complete",
    "web:followup_cancel",
    "web:promise_text",
    "web:raw_message",
    "web:attachment",
    "web:customer",
    "web:customer_add_email",
    "web:customer_edit",
    "web:customer_attribute",
    "web:notification_open",
    "web:notification_read",
    "web:recovery_task",
    "web:recovery_task_close",
    "web:recovery_task_reassign",
    "web:recognition",
    "web:reply_check",
    "web:training_item",
    "web:training_acknowledge",
}
IMAP_CLOSED_PORT = {
    "imap_host": "127.0.0.1",
    "imap_port": "1",
    "imap_username": "u",
    "imap_password": "p",
}
ADMIN_ROUTES = [
    Route("web:manage_inboxes", []),
    Route("web:manage_contact_forms", []),
    Route("web:manage_contact_form", ["inbox"]),
    Route("web:manage_chats", []),
    Route("web:manage_chat_new", []),
    Route("web:manage_chat", ["chat_inbox"]),
    Route("web:manage_inbox_new", []),
    Route("web:manage_inbox", ["inbox"]),
    # A closed loopback port: the check answers at once, and nothing leaves the machine.
    Route("web:manage_inbox_imap_check_new", [], "post", IMAP_CLOSED_PORT),
    Route("web:manage_inbox_imap_check", ["inbox"], "post", IMAP_CLOSED_PORT),
    Route("web:manage_teams", []),
    Route("web:manage_team_new", []),
    Route("web:manage_team", ["team"]),
    Route("web:manage_calendars", []),
    Route("web:manage_calendar_new", []),
    Route("web:manage_calendar", ["calendar"]),
    Route("web:manage_calendar_delete", ["calendar"], "post", {}, 302),
    Route("web:manage_sla_policies", []),
    Route("web:manage_sla_policy_new", []),
    Route("web:manage_sla_policy", ["sla_policy"]),
    Route("web:manage_sla_policy_move", ["sla_policy"], "post", {"direction": "up"}, 303),
    Route("web:manage_sla_policy_delete", ["sla_policy"], "post", {}, 302),
    Route("web:manage_agents", []),
    Route("web:manage_agent_new", []),
    Route("web:manage_agent", ["agent"]),
    Route("web:manage_agent_toggle_active", ["other_agent"], "post", {}, 302),
    Route("web:manage_held_mail", []),
    Route("web:manage_held_mail_item", ["held"]),
    Route("web:manage_held_mail_download", ["held"]),
    Route("web:manage_held_mail_release", ["held"], "post", {}, 302),
    Route("web:manage_webhooks", []),
    Route("web:manage_webhook_new", []),
    Route("web:manage_webhook", ["webhook"]),
    Route("web:manage_webhook_edit", ["webhook"]),
    Route("web:manage_webhook_pause", ["webhook"], "post", {}, 302),
    Route("web:manage_webhook_resume", ["webhook"], "post", {}, 302),
    Route("web:manage_webhook_ping", ["webhook"], "post", {}, 302),
    Route("web:manage_webhook_roll_secret", ["webhook"], "post", {}, 302),
    Route("web:manage_webhook_delete", ["webhook"], "post", {}, 302),
    Route("web:manage_webhook_delivery", ["webhook", "webhook_delivery"]),
    Route("web:manage_webhook_redeliver", ["webhook", "webhook_delivery"], "post", {}, 302),
    Route("web:manage_nps_new", []),
    Route("web:manage_nps_edit", ["nps_campaign"]),
    Route("web:manage_nps_start", ["nps_campaign"], "post", {}, 302),
    Route("web:manage_quality", []),
    Route("web:knowledge_settings", []),
]
LEAD_ROUTES = [
    Route("web:manage", [], ok=302),
    Route("web:recovery_report", []),
    Route("web:recovery_report_csv", []),
    Route("web:manage_saved_replies", []),
    Route("web:manage_saved_reply_new", []),
    Route("web:manage_saved_reply", ["saved_reply"]),
    Route("web:manage_saved_reply_delete", ["saved_reply"], "post", {}, 302),
    Route("web:manage_nps", []),
    Route("web:manage_nps_campaign", ["nps_campaign"]),
    Route("web:manage_nps_export", ["nps_campaign"]),
    Route("web:manage_nps_trend_export", []),
    Route("web:feedback", []),
    Route("web:feedback_themes", []),
    Route("web:feedback_regroup", [], "post", {}, 303),
    Route(
        "web:feedback_move",
        [],
        "post",
        {"comment": "@feedback_comment", "theme": "@other_theme"},
        303,
    ),
    Route("web:feedback_theme_rename", ["theme"], "post", {"name": "Refunds"}, 303),
    Route("web:feedback_theme_merge", ["theme"], "post", {"into": "@other_theme"}, 303),
    Route("web:feedback_theme_split", ["theme"], "post", {}, 303),
    Route("web:quality_review_new", [], "get", {"conversation": "@conversation"}),
    Route("web:quality_pick", []),
    Route("web:quality_scorecard_new", []),
    Route("web:quality_scorecard_edit", ["scorecard"]),
    Route("web:quality_calibrations", []),
    Route("web:quality_calibration_new", []),
    Route("web:quality_coaching_new", []),
    Route("web:knowledge_categories", []),
    Route("web:knowledge_gaps", []),
    Route("web:knowledge_gap_action", ["kb_gap"], "post", {"action": "dismiss"}, 303),
    Route("web:training_new", []),
    Route("web:improvements", []),
    Route("web:improvement_new", []),
    Route("web:improvement", ["improvement"]),
    Route("web:improvement_edit", ["improvement"]),
    Route("web:improvement_status", ["improvement"], "post", {"status": "in_progress"}, 303),
    Route("web:improvement_ship", ["improvement"], "post", {}, 303),
    Route("web:improvement_unlink", ["improvement", "improvement_link"], "post", {}, 303),
    Route(
        "web:improvement_link",
        [],
        "post",
        {"comment": "@feedback_comment", "improvement": "@improvement"},
        303,
    ),
    Route(
        "web:improvement_link_conversation",
        ["conversation"],
        "post",
        {"improvement": "@improvement"},
        303,
    ),
]
# For the leads of the agent's team (and admins): another lead gets 404, an agent 403.
TEAM_LEAD_ROUTES = [
    Route(
        "web:quality_review_resolve",
        ["disputed_review"],
        "post",
        {"decision": "reject", "resolution": "It stands"},
        303,
    ),
    Route("web:quality_calibration", ["calibration"]),
]
# Leads of the team (and admins) only: a lead of another team gets 404 (quality: wellbeing).
WELLBEING_ROUTES = [
    Route("web:wellbeing_team", ["team"]),
    Route("web:wellbeing_team_csv", ["team"]),
]


def _improvements(admin, conversation) -> dict:
    from carefront.feedback.models import ImprovementLink
    from carefront.feedback.services import improvement_create, improvement_link

    improvement = improvement_create(
        actor=admin, title="CSV export", customer_message="You can export CSV now."
    )
    improvement_link(actor=admin, improvement_id=improvement.pk, conversation_ids=[conversation.pk])
    return {"improvement": improvement, "improvement_link": ImprovementLink.objects.get()}


def _themes(admin) -> dict:
    from carefront.feedback.models import Theme
    from carefront.feedback.services import feedback_comments_move
    from carefront.feedback.tests.factories import comment

    theme, other = Theme.objects.create(name="Refund"), Theme.objects.create(name="Other")
    ids = [comment(t).pk for t in ("Refund late", "Refund lost", "Password reset broken")]
    feedback_comments_move(actor=admin, comment_ids=ids, theme_id=theme.pk)
    return {"theme": theme, "other_theme": other, "feedback_comment": comment("Slow answer")}


@pytest.fixture
def world(inbox, team, agent, admin):
    webhook = webhook_subscription_create(
        actor=admin, url="https://hooks.example.com/carefront", event_types=["customer.created"]
    )
    raw = RawInbound.objects.create(inbox=inbox, source="test", data=b"Subject: x\r\n\r\nbody")
    result = receive(
        inbox,
        from_address="ana@example.com",
        attachments=[InboundAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4 test")],
    )
    Message.objects.filter(pk=result.message.pk).update(raw=raw)
    conversation = result.conversation
    recovery_task = recovery_open(
        source_kind="csat",
        source_id=1,
        customer_id=conversation.customer_id,
        conversation_id=conversation.pk,
        reason="bad_rating",
    )
    RecoveryTask.objects.filter(pk=recovery_task.pk).update(owner=agent)
    return {
        "recovery_task": recovery_task,
        "conversation": conversation,
        "follow_up": followup_create(
            conversation=conversation,
            owner=agent,
            due_at=timezone.now() + dt.timedelta(days=2),
            actor=agent,
        ),
        "message": result.message,
        "attachment": Attachment.objects.get(message=result.message),
        "customer": conversation.customer,
        "saved_reply": SavedReply.objects.create(title="Hi", body="Hi {{ customer.first_name }}"),
        "inbox": inbox,
        "chat_inbox": chat_inbox_create(name="Website chat", teams=[team]),
        "team": team,
        "calendar": business_calendar_create(
            actor=admin, name="Office", time_zone="Europe/Berlin", hours={0: [(540, 1020)]}
        ),
        "sla_policy": sla_policy_create(actor=admin, name="Everyone", first_reply_minutes=60),
        "agent": agent,
        "other_agent": AgentFactory(),
        "second": receive(inbox, from_address="ana@example.com", subject="Again").conversation,
        "webhook": webhook,
        "doc": SimpleNamespace(pk="api"),  # docs are files: the URL takes a name
        "report_table": SimpleNamespace(pk="trend"),  # the feedback report's tables by name
        "held": email_ingest(
            inbox=inbox,
            data=(
                f"From: dora@example.com\r\nTo: {inbox.email_address}\r\n"
                "Subject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\nAway."
            ).encode(),
            source="test",
        ).raw,
        "notification": notification_create(
            recipient=agent,
            kind="sla_breached",
            conversation_id=conversation.pk,
            dedupe_key="sla-target:1:breached",
            target="first_reply",
        ),
        "nps_campaign": nps_campaign_create(actor=admin, name="NPS", sender_inbox=inbox),
        "webhook_delivery": WebhookDelivery.objects.create(
            subscription=webhook, event_type="customer.created", payload='{"id": "x"}'
        ),
        **_themes(admin),
        **_quality(conversation, team, agent, admin),
        **_knowledge(agent),
        "training_item": _training_item(admin, team),
        **_improvements(admin, conversation),
    }


def _quality(conversation, team, agent, admin) -> dict:
    """A scorecard, two reviews of the agent (one disputed), a coaching session, and a
    calibration session of the team's lead."""
    from carefront.quality.models import Review
    from carefront.quality.services import (
        CategoryIn,
        calibration_create,
        coaching_create,
        scorecard_create,
    )

    lead = AgentFactory(role=Role.LEAD)
    team.members.add(lead)
    card = scorecard_create(
        actor=admin, name="Basics", scale="1-4", categories=[CategoryIn(name="Tone")]
    )
    version = card.versions.get()
    review, disputed = (
        Review.objects.create(
            conversation=conversation, agent=agent, reviewer=reviewer, version=version, state=state
        )
        for reviewer, state in ((lead, "submitted"), (admin, "disputed"))
    )
    return {
        "team_lead": lead,
        "scorecard": card,
        "review": review,
        "disputed_review": disputed,
        "coaching_session": coaching_create(actor=lead, agent=agent, held_on=dt.date(2026, 3, 2)),
        "calibration": calibration_create(
            actor=lead, conversation=conversation, version=version, reviewers=[lead, admin]
        ),
    }


def _knowledge(agent) -> dict:
    from carefront.knowledge.services import (
        article_create,
        article_translation_create,
        content_gap_hit,
    )

    article = article_create(actor=agent, title="Refunds", body="Text")
    return {
        "kb_article": article,
        "kb_translation": article_translation_create(
            actor=agent, source=article, language="de", title="Erstattungen", body="Text"
        ),
        "kb_gap": content_gap_hit(kind="no_results", key="crypto", visitor_key="v1"),
    }


def _training_item(admin, team):
    from carefront.quality.services.training import training_publish

    return training_publish(
        actor=admin,
        title="Tone of voice",
        url="https://kb.example.test/tone",
        due_at=timezone.now() + dt.timedelta(days=3),
        team_ids=[team.pk],
    )


def _call(client: Client, route: Route, world: dict):
    url = reverse(route.name, args=[world[a].pk for a in route.args])
    data = {
        key: world[value[1:]].pk if isinstance(value, str) and value.startswith("@") else value
        for key, value in route.data.items()
    }
    return getattr(client, route.method)(url, data)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


ALL_ROUTES = AGENT_ROUTES + ADMIN_ROUTES + LEAD_ROUTES + TEAM_LEAD_ROUTES + WELLBEING_ROUTES


@pytest.mark.parametrize("route", TEAM_LEAD_ROUTES, ids=lambda r: r.name)
def test_team_lead_routes(route, world, agent, admin):
    assert _call(_client_for(world["team_lead"]), route, world).status_code == route.ok
    assert _call(_client_for(AgentFactory(role=Role.LEAD)), route, world).status_code == 404
    assert _call(_client_for(agent), route, world).status_code == 403


@pytest.mark.parametrize("route", ALL_ROUTES, ids=lambda r: r.name)
def test_anonymous_visitor_is_sent_to_login(route, world):
    response = _call(Client(), route, world)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize("route", AGENT_ROUTES, ids=lambda r: r.name)
def test_agent_of_the_inbox_may_use_route(route, world, agent):
    response = _call(_client_for(agent), route, world)
    assert response.status_code == route.ok, response.content[:500]


@pytest.mark.parametrize(
    "route", [r for r in AGENT_ROUTES if r.name in SCOPED], ids=lambda r: r.name
)
def test_agent_of_another_team_gets_not_found(route, world, outsider):
    response = _call(_client_for(outsider), route, world)
    assert response.status_code == 404


@pytest.mark.parametrize("route", ADMIN_ROUTES + LEAD_ROUTES, ids=lambda r: r.name)
def test_plain_agent_is_forbidden_in_admin_area(route, world, agent):
    response = _call(_client_for(agent), route, world)
    assert response.status_code == 403


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: r.name)
def test_lead_is_forbidden_in_admin_only_pages(route, world):
    lead = AgentFactory(role=Role.LEAD)
    response = _call(_client_for(lead), route, world)
    assert response.status_code == 403


@pytest.mark.parametrize("route", LEAD_ROUTES, ids=lambda r: r.name)
def test_lead_may_manage_saved_replies_and_feedback(route, world):
    lead = AgentFactory(role=Role.LEAD)
    response = _call(_client_for(lead), route, world)
    assert response.status_code == route.ok


@pytest.mark.parametrize("route", ADMIN_ROUTES + LEAD_ROUTES, ids=lambda r: r.name)
def test_admin_may_use_admin_area(route, world, admin):
    response = _call(_client_for(admin), route, world)
    assert response.status_code == route.ok, response.content[:500]


@pytest.mark.parametrize("route", WELLBEING_ROUTES, ids=lambda r: r.name)
def test_only_leads_of_the_team_and_admins_may_use_team_lead_routes(route, world, team, admin):
    agent_of_team = AgentFactory()
    lead = AgentFactory(role=Role.LEAD)
    other_lead = AgentFactory(role=Role.LEAD)
    team.members.add(agent_of_team, lead)
    assert _call(_client_for(agent_of_team), route, world).status_code == 403
    assert _call(_client_for(other_lead), route, world).status_code == 404
    assert _call(_client_for(lead), route, world).status_code == route.ok
    assert _call(_client_for(admin), route, world).status_code == route.ok


def test_deactivated_agent_is_sent_to_login(world, agent):
    client = _client_for(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    response = client.get(reverse("web:inbox"))
    assert response.status_code == 302


def test_every_web_route_is_in_the_matrix():
    from carefront.web.urls import urlpatterns

    public = {
        "web:login",
        "web:logout",
        # Public by design; tested in test_password_reset.py.
        "web:password_reset",
        "web:password_reset_done",
        "web:password_reset_confirm",
        # Says nothing to a visitor (204, for htmx); tested in test_notifications.py.
        "web:notification_bell",
        # Public by design (the survey token is the key); tested in test_rating_page.py.
        "web:rate",
        "web:rate_thanks",
        # Public by design (the token is the key); tested in test_nps_pages.py.
        "web:nps_answer",
        "web:nps_thanks",
        "web:survey_unsubscribe",
        # The public help centre; tested in test_help_centre.py.
        "web:help_home",
        "web:help_search",
        "web:help_sitemap",
        "web:help_theme",
        "web:help_image",
        "web:help_category",
        "web:help_category_short",
        "web:help_article",
        "web:help_article_short",
        "web:help_article_vote",
        # Public by design (contact form, customer portal with its own sign-in); tested in
        # test_contact_form_pages.py and test_portal_pages.py.
        "web:contact_form",
        "web:contact_sent",
        "web:contact_suggestions",
        "web:contact_deflect",
        "web:contact_confirm",
        "web:portal",
        "web:portal_new",
        "web:portal_conversation",
        "web:portal_sign_in",
        "web:portal_sign_in_sent",
        "web:portal_sign_in_link",
        "web:portal_sign_out",
        # Public by design (the token is the key); tested in test_improvements.py.
        "web:improvement_optout",
    }
    names = {f"web:{p.name}" for p in urlpatterns} - public
    assert names == {r.name for r in ALL_ROUTES}
