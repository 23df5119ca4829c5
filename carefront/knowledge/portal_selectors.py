"""What a customer signed in to the portal may read: their own conversations, never one whose
contact-form sender has not confirmed the address yet, and only the public messages (never
internal notes)."""

from django.db.models import Exists, OuterRef, QuerySet

from carefront.conversations.models import Conversation, Direction, Message
from carefront.core.exceptions import NotFound
from carefront.core.pagination import NewestFirstPage, newest_first_page

from .models import ContactForm, ContactSubmission

PAGE_SIZE = 25


def portal_conversations_visible(*, customer_id: int) -> QuerySet[Conversation]:
    unconfirmed = ContactSubmission.objects.filter(
        conversation=OuterRef("pk"), confirmed_at__isnull=True
    )
    return Conversation.objects.filter(customer_id=customer_id).exclude(Exists(unconfirmed))


def portal_conversation_list(
    *, customer_id: int, cursor: str | None = None, limit: int = PAGE_SIZE
) -> NewestFirstPage[Conversation]:
    return newest_first_page(
        portal_conversations_visible(customer_id=customer_id)
        .select_related("inbox")
        .only(
            "id",
            "subject",
            "status",
            "last_message_at",
            "preview",
            "message_count",
            "inbox__name",
            "inbox__from_name",
        ),
        cursor=cursor,
        limit=limit,
        kind="portal",
    )


def portal_conversation_get(*, customer_id: int, conversation_id: int) -> Conversation:
    """The customer's conversation, NotFound for anyone else's (no existence leak)."""
    conversation = (
        portal_conversations_visible(customer_id=customer_id)
        .select_related("inbox", "customer")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound("Conversation not found.")
    return conversation


def portal_messages(*, conversation: Conversation) -> list[Message]:
    """The messages the customer may read: theirs and the team's replies, oldest first."""
    return list(
        Message.objects.filter(
            conversation=conversation, direction__in=[Direction.INCOMING, Direction.OUTGOING]
        )
        .only(
            "id",
            "direction",
            "from_name",
            "body_text",
            "reply_text",
            "created_at",
            "author__name",
        )
        .select_related("author")
        .order_by("created_at", "id")
    )


def portal_contact_forms() -> list[ContactForm]:
    """The inboxes a signed-in customer can write to: those with an enabled contact form."""
    return list(
        ContactForm.objects.filter(is_enabled=True, inbox__is_active=True)
        .select_related("inbox")
        .order_by("inbox__name")
    )


def contact_address_unconfirmed(*, conversation_id: int) -> bool:
    """Whether the conversation came from a contact form whose sender has not confirmed the
    address yet (anyone can type any address): agents are told before they answer."""
    return ContactSubmission.objects.filter(
        conversation_id=conversation_id, confirmed_at__isnull=True
    ).exists()
