"""The `data` of each event: the same field names as the REST API's output for that object.

Each builder costs a fixed number of queries, whatever the conversation or customer holds.
(Webhooks do not import the API: the two are delivery layers that must not depend on each other.)
"""

from carefront.conversations.models import Conversation, Direction, Message
from carefront.customers.models import Customer
from carefront.feedback.models import Rating


def _ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def conversation_data(conversation: Conversation) -> dict:
    """Expects customer, assignee, inbox and team selected (see `conversation_for_payload`)."""
    c = conversation
    return {
        "id": c.pk,
        "subject": c.subject,
        "status": c.status,
        "inbox": {"id": c.inbox.pk, "name": c.inbox.name},
        "customer": {"id": c.customer.pk, "name": c.customer.name, "email": c.customer.email},
        "assignee": _ref(c.assignee),
        "team": _ref(c.team),
        "tags": sorted(tag.name for tag in c.tags.all()),
        "preview": c.preview,
        "message_count": c.message_count,
        "waiting_since": c.waiting_since,
        "last_message_at": c.last_message_at,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def conversation_for_payload(conversation_id: int) -> Conversation | None:
    """Two queries: the conversation with its relations, and its tags."""
    return (
        Conversation.objects.select_related("customer", "assignee", "inbox", "team")
        .prefetch_related("tags")
        .filter(pk=conversation_id)
        .first()
    )


def message_data(message: Message, conversation: Conversation) -> dict:
    """Expects author selected and attachments prefetched (see `message_for_payload`)."""
    m = message
    return {
        "id": m.pk,
        "conversation_id": m.conversation_id,
        "direction": m.direction,
        "private": m.direction == Direction.NOTE,
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
            }
            for a in sorted(m.attachments.all(), key=lambda a: a.pk)
        ],
        "created_at": m.created_at,
        "conversation": conversation_data(conversation),
    }


def message_for_payload(message_id: int) -> Message | None:
    """Three queries: the message with its author and conversation, attachments, tags."""
    return (
        Message.objects.select_related(
            "author",
            "conversation__customer",
            "conversation__assignee",
            "conversation__inbox",
            "conversation__team",
        )
        .prefetch_related("attachments", "conversation__tags")
        .filter(pk=message_id)
        .first()
    )


def customer_data(customer: Customer) -> dict:
    """Expects identities prefetched (see `customer_for_payload`)."""
    c = customer
    return {
        "id": c.pk,
        "name": c.name,
        "email": c.email,
        "language": c.language,
        "time_zone": c.time_zone,
        "is_internal": c.is_internal,
        "attributes": c.attributes,
        "identities": [
            {"kind": i.kind, "value": i.value}
            for i in sorted(c.identities.all(), key=lambda i: i.pk)
        ],
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def customer_for_payload(customer_id: int) -> Customer | None:
    """Two queries: the customer and its identities."""
    return Customer.objects.prefetch_related("identities").filter(pk=customer_id).first()


def rating_data(rating: Rating) -> dict:
    """Expects the conversation (with its relations and tags) and the agent selected (see
    `rating_for_payload`)."""
    r = rating
    return {
        "id": r.pk,
        "score": r.score,
        "comment": r.comment,
        "conversation_id": r.conversation_id,
        "customer": {"id": r.customer.pk, "name": r.customer.name, "email": r.customer.email},
        "agent": _ref(r.agent),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "conversation": conversation_data(r.conversation),
    }


def rating_for_payload(rating_id: int) -> Rating | None:
    """Two queries: the rating with its conversation's relations, and the tags."""
    return (
        Rating.objects.select_related(
            "agent",
            "customer",
            "conversation__customer",
            "conversation__assignee",
            "conversation__inbox",
            "conversation__team",
        )
        .prefetch_related("conversation__tags")
        .filter(pk=rating_id)
        .first()
    )
