"""Folding one conversation into another when they turn out to be one thread."""

from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from carefront.core.exceptions import InvalidInput

from .. import events
from ..models import (
    Conversation,
    ConversationEvent,
    Direction,
    EventKind,
    Message,
    ThreadKey,
)

OWN_MODELS = (Message, ConversationEvent, ThreadKey)


def _move_rows_of_other_apps(*, source: Conversation, target: Conversation) -> None:
    """Rows of apps built on conversations (feedback's surveys and ratings) follow the source
    into the target instead of being deleted with it. The hub cannot name those apps (they
    depend on it), so it asks Django which foreign keys point at conversations (those with a
    reverse name: `related_name="+"` opts out)."""
    for relation in Conversation._meta.related_objects:
        if not relation.one_to_many or relation.related_model in OWN_MODELS:
            continue
        relation.related_model._base_manager.filter(**{relation.field.name: source}).update(
            **{relation.field.name: target}
        )


@transaction.atomic
def conversation_merge(*, source_id: int, target_id: int, actor_id: int | None = None) -> None:
    """Move everything of `source` into `target` and delete `source`.

    Outbox rows follow their messages, so nothing pending is lost or sent twice.
    """
    if source_id == target_id:
        raise InvalidInput(_("A conversation cannot be merged into itself."))
    target = Conversation.objects.select_for_update().get(pk=target_id)
    source = Conversation.objects.select_for_update().get(pk=source_id)
    Message.objects.filter(conversation=source).update(conversation=target)
    ConversationEvent.objects.filter(conversation=source).update(conversation=target)
    ThreadKey.objects.filter(conversation=source).update(conversation=target)
    target.tags.add(*source.tags.all())
    _move_rows_of_other_apps(source=source, target=target)
    summary = (
        Message.objects.filter(conversation=target)
        .exclude(direction=Direction.NOTE)
        .aggregate(count=Count("id"), last=Max("created_at"))
    )
    target.message_count = summary["count"] or 0
    target.last_message_at = summary["last"] or target.last_message_at
    if source.waiting_since and (
        target.waiting_since is None or source.waiting_since < target.waiting_since
    ):
        target.waiting_since = source.waiting_since
    target.save(update_fields=["message_count", "last_message_at", "waiting_since", "updated_at"])
    events.record(conversation=target, kind=EventKind.MERGED, actor_id=actor_id, merged=source_id)
    source.delete()
