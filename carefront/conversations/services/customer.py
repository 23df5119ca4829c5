"""Linking a conversation to the right customer (a placeholder "sender unknown", a misfiled one)."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput
from carefront.customers.models import Customer
from carefront.customers.services import customer_get_or_create_by_email

from .. import events
from ..models import Conversation, Direction, EventKind, Message


@transaction.atomic
def conversation_change_customer(
    *, conversation: Conversation, email: str, actor: Agent | None
) -> Conversation:
    """Give the conversation to the customer behind `email` (created if new).

    The customer's messages in it move too. A "sender unknown" placeholder left with nothing
    is deleted: it stood for this conversation only. Recorded on the timeline.
    """
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(_("Enter a valid email address.")) from exc
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    old = conversation.customer
    new, _created = customer_get_or_create_by_email(email=email)
    if new.pk == old.pk:
        return conversation
    conversation.customer = new
    conversation.save(update_fields=["customer", "updated_at"])
    Message.objects.filter(
        conversation=conversation, customer=old, direction=Direction.INCOMING
    ).update(customer=new)
    events.record(
        conversation=conversation,
        kind=EventKind.CUSTOMER_CHANGED,
        actor_id=actor.pk if actor is not None else None,
        old=old.display_name,
        new=new.display_name,
        email=new.email,
    )
    publish(
        events.ConversationCustomerChanged(
            conversation_id=conversation.pk, old_customer_id=old.pk, new_customer_id=new.pk
        )
    )
    if (
        old.sender_unknown
        and not Conversation.objects.filter(customer=old).exists()
        and not Message.objects.filter(customer=old).exists()
    ):
        Customer.objects.filter(pk=old.pk).delete()
    return conversation
