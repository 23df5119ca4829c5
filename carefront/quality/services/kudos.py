"""Peer kudos: one agent thanks another, optionally about a conversation."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.conversations.selectors import access_conversation
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.notifications.models import NotificationKind
from carefront.notifications.services import notification_create

from ..models import Kudos

MAX_MESSAGE = 1000


def kudos_give(
    *, actor: Agent, receiver_id: int, message: str, conversation_id: int | None = None
) -> Kudos:
    """Thank a colleague. The conversation, if given, must be one the giver can see (a
    forged id is "not found"); the receiver is told in the app."""
    message = (message or "").strip()
    if not message:
        raise InvalidInput(_("Write a few words: what did they do well?"))
    if len(message) > MAX_MESSAGE:
        raise InvalidInput(_("Kudos are at most 1000 characters."))
    receiver = Agent.objects.filter(pk=receiver_id, is_active=True).first()
    if receiver is None:
        raise NotFound(_("That colleague was not found."))
    if receiver.pk == actor.pk:
        raise InvalidInput(_("Kudos are for a colleague, not yourself."))
    if conversation_id is not None:
        access_conversation(actor=actor, conversation_id=conversation_id)
    with transaction.atomic():
        kudos = Kudos.objects.create(
            giver=actor, receiver=receiver, message=message, conversation_id=conversation_id
        )
        transaction.on_commit(
            lambda: notification_create(
                recipient=receiver,
                kind=NotificationKind.KUDOS_RECEIVED,
                dedupe_key=f"kudos:{kudos.pk}",
                giver=actor.name[:100],
                note=message[:500],
                path=reverse("web:profile"),
            )
        )
    return kudos
