"""Reads of triage: the labelled examples training learns from, and the known intents.

What counts as labelled (docs/triage.md): a conversation whose intent an agent corrected (the
correction is the label), else one tagged `intent:<name>` (the name is the label; with several
such tags, the conversation is ambiguous and left out). The text is the subject and the first
customer message, as triage read it.
"""

from django.db.models import Q

from carefront.conversations.models import Conversation, Direction, Message

from ..models import ConversationTriage, TriageModel

INTENT_TAG_PREFIX = "intent:"
# Training reads at most this many labelled conversations, the newest first.
MAX_EXAMPLES = 50_000


def _labels() -> dict[int, str]:
    labels: dict[int, str] = {}
    tagged: dict[int, set[str]] = {}
    through = Conversation.tags.through
    for conversation_id, name in (
        through.objects.filter(tag__name__istartswith=INTENT_TAG_PREFIX)
        .order_by("-conversation_id")
        .values_list("conversation_id", "tag__name")[:MAX_EXAMPLES]
    ):
        label = name[len(INTENT_TAG_PREFIX) :].strip().lower()
        if label:
            tagged.setdefault(conversation_id, set()).add(label)
    labels.update({pk: next(iter(names)) for pk, names in tagged.items() if len(names) == 1})
    labels.update(
        ConversationTriage.objects.filter(~Q(intent_corrected=""))
        .order_by("-conversation_id")
        .values_list("conversation_id", "intent_corrected")[:MAX_EXAMPLES]
    )
    return labels


def training_examples() -> list[tuple[str, str]]:
    """(text, intent) for every labelled conversation, oldest conversation first."""
    labels = _labels()
    if not labels:
        return []
    texts: dict[int, str] = {}
    ids = sorted(labels)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for conversation_id, subject, reply_text, body_text in (
            Message.objects.filter(conversation_id__in=chunk, direction=Direction.INCOMING)
            .order_by("conversation_id", "id")
            .values_list("conversation_id", "conversation__subject", "reply_text", "body_text")
        ):
            if conversation_id not in texts:
                texts[conversation_id] = f"{subject}\n{reply_text or body_text}".strip()
    return [(texts[pk], labels[pk]) for pk in ids if texts.get(pk)]


def intent_choices() -> list[str]:
    """The intents an agent can pick: those the current model knows, those agents have used in
    corrections and those named by `intent:` tags."""
    names: set[str] = set()
    labels = TriageModel.objects.order_by("-id").values_list("labels", flat=True).first()
    names.update(labels or [])
    names.update(
        ConversationTriage.objects.filter(~Q(intent_corrected=""))
        .order_by()
        .values_list("intent_corrected", flat=True)
        .distinct()[:1000]
    )
    names.update(
        name[len(INTENT_TAG_PREFIX) :].strip().lower()
        for name in Conversation.tags.field.related_model.objects.filter(
            name__istartswith=INTENT_TAG_PREFIX
        ).values_list("name", flat=True)[:1000]
    )
    names.discard("")
    return sorted(names)


def latest_intent_model() -> TriageModel | None:
    return TriageModel.objects.defer("data").order_by("-id").first()
