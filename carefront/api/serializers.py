"""Models to response dicts. Each function takes a whole page and fetches what it needs in bulk,
so a list costs the same number of queries for 3 items as for 100."""

from django.urls import reverse

from carefront.accounts.models import Team
from carefront.conversations.models import Conversation, Message
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox


def _ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def conversations_out(conversations: list[Conversation]) -> list[dict]:
    """Expects customer, assignee, inbox selected and `tag_names` attached (as
    `conversation_list` and `attach_tag_names` do); teams are fetched here in one query."""
    team_ids = {c.team_id for c in conversations if c.team_id}
    teams = Team.objects.in_bulk(team_ids) if team_ids else {}
    return [
        {
            "id": c.pk,
            "subject": c.subject,
            "status": c.status,
            "inbox": {"id": c.inbox.pk, "name": c.inbox.name},
            "customer": {"id": c.customer.pk, "name": c.customer.name, "email": c.customer.email},
            "assignee": _ref(c.assignee),
            "team": _ref(teams.get(c.team_id)) if c.team_id else None,
            "tags": c.tag_names,
            "preview": c.preview,
            "message_count": c.message_count,
            "waiting_since": c.waiting_since,
            "last_message_at": c.last_message_at,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
        }
        for c in conversations
    ]


def messages_out(messages: list[Message]) -> list[dict]:
    """Expects author selected and attachments prefetched."""
    return [
        {
            "id": m.pk,
            "conversation_id": m.conversation_id,
            "direction": m.direction,
            "channel": m.channel,
            "author": _ref(m.author),
            "customer_id": m.customer_id,
            "from_name": m.from_name,
            "from_address": m.from_address,
            "to": m.to,
            "cc": m.cc,
            "subject": m.subject,
            "body_text": m.body_text,
            "body_html": m.body_html,
            "reply_text": m.reply_text,
            "delivery_status": m.delivery_status,
            "attachments": [
                {
                    "id": a.pk,
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "is_inline": a.is_inline,
                    "download_url": reverse("api:attachment_download", args=[a.pk]),
                }
                for a in m.attachments.all()
            ],
            "created_at": m.created_at,
        }
        for m in messages
    ]


def customers_out(customers: list[Customer]) -> list[dict]:
    """Expects identities prefetched."""
    return [
        {
            "id": c.pk,
            "name": c.name,
            "email": c.email,
            "language": c.language,
            "time_zone": c.time_zone,
            "notes": c.notes,
            "is_internal": c.is_internal,
            "attributes": c.attributes,
            "identities": [
                {"kind": i.kind, "value": i.value}
                for i in sorted(c.identities.all(), key=lambda i: i.pk)
            ],
            "created_at": c.created_at,
            "updated_at": c.updated_at,
        }
        for c in customers
    ]


def inboxes_out(inboxes: list[Inbox]) -> list[dict]:
    return [
        {
            "id": i.pk,
            "name": i.name,
            "channel": i.channel,
            "email_address": i.email_address,
            "is_active": i.is_active,
        }
        for i in inboxes
    ]


def ratings_out(ratings: list) -> list[dict]:
    """Expects conversation, customer, agent and survey selected (`ratings_visible_to`)."""
    return [
        {
            "id": r.pk,
            "score": r.score,
            "comment": r.comment,
            "conversation": {"id": r.conversation_id, "subject": r.conversation.subject},
            "customer": {"id": r.customer.pk, "name": r.customer.name, "email": r.customer.email},
            "agent": _ref(r.agent),
            "survey_sent_at": r.survey.sent_at,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
        }
        for r in ratings
    ]
