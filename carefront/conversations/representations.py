"""Conversations and messages as plain dicts: the one shape that the REST API answers with and
webhooks send (`api/serializers.py`, `webhooks/payloads.py`), so the two cannot drift apart.
Each function works on rows already loaded; what it expects loaded is said on it."""

from collections.abc import Callable

from .models import Attachment, Conversation, Message, priority_name


def ref(obj) -> dict | None:
    """A related agent or team: id and name, or None."""
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def conversation_repr(conversation: Conversation, *, team, tags: list[str]) -> dict:
    """Expects customer, assignee and inbox loaded; the team and tag names come from the caller
    (fetched in bulk for a page)."""
    c = conversation
    return {
        "id": c.pk,
        "subject": c.subject,
        "status": c.status,
        "priority": priority_name(c.priority),
        "inbox": {"id": c.inbox.pk, "name": c.inbox.name},
        "customer": {"id": c.customer.pk, "name": c.customer.name, "email": c.customer.email},
        "assignee": ref(c.assignee),
        "team": ref(team),
        "tags": tags,
        "preview": c.preview,
        "message_count": c.message_count,
        "is_bulk": c.is_bulk,
        "waiting_since": c.waiting_since,
        "sla_due_at": c.sla_due_at,
        "sla_at_risk_at": c.sla_at_risk_at,
        "snoozed_until": c.snoozed_until,
        "last_message_at": c.last_message_at,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def message_repr(
    message: Message, *, download_url: Callable[[Attachment], str] | None = None
) -> dict:
    """Expects author loaded and attachments prefetched. With `download_url`, each attachment
    says where to fetch it."""
    m = message
    attachments = []
    for a in sorted(m.attachments.all(), key=lambda a: a.pk):
        attachment = {
            "id": a.pk,
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "is_inline": a.is_inline,
        }
        if download_url is not None:
            attachment["download_url"] = download_url(a)
        attachments.append(attachment)
    return {
        "id": m.pk,
        "conversation_id": m.conversation_id,
        "direction": m.direction,
        "channel": m.channel,
        "author": ref(m.author),
        "customer_id": m.customer_id,
        "from_name": m.from_name,
        "from_address": m.from_address,
        "to": m.to,
        "cc": m.cc,
        "reply_to": m.reply_to,
        "subject": m.subject,
        "body_text": m.body_text,
        "body_html": m.body_html,
        "reply_text": m.reply_text,
        "is_auto_submitted": m.is_auto_submitted,
        "delivery_status": m.delivery_status,
        "attachments": attachments,
        "created_at": m.created_at,
    }
