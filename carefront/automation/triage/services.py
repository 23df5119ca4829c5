"""Writes of triage: a new conversation's triage, an agent's correction, and training the
intent classifier on the team's labelled conversations."""

import logging
import threading
import time
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.conversations.models import Conversation, Direction, Message
from carefront.core.exceptions import InvalidInput, NotFound

from ..models import ConversationTriage, TriageModel
from .analysis import triage_text
from .intent import IntentModel, train
from .selectors import intent_choices, training_examples

logger = logging.getLogger(__name__)

# How long a process trusts its copy of the newest model before asking the database again.
MODEL_RECHECK_SECONDS = 60
# Fewer labelled conversations than this (or fewer than two intents): no model, no intent.
MIN_EXAMPLES = 10
MIN_PER_INTENT = 2
KEEP_MODELS = 5
INTENT_MAX = 100

_cache_lock = threading.Lock()
_cache: dict = {"id": None, "model": None, "checked": 0.0}


def active_intent_model(*, refresh: bool = False) -> IntentModel | None:
    """The newest trained model, loaded once per process and rechecked every minute."""
    now = time.monotonic()
    if not refresh and now - _cache["checked"] < MODEL_RECHECK_SECONDS:
        return _cache["model"]
    newest = TriageModel.objects.order_by("-id").values_list("id", flat=True).first()
    with _cache_lock:
        if newest != _cache["id"]:
            model = None
            if newest is not None:
                data = TriageModel.objects.filter(pk=newest).values_list("data", flat=True).get()
                model = IntentModel.loads(data)
                model.info["model_id"] = newest
            _cache.update(id=newest, model=model)
        _cache["checked"] = now
    return _cache["model"]


def forget_intent_model() -> None:
    """Tests and a new training: ask the database at the next prediction."""
    with _cache_lock:
        _cache.update(id=None, model=None, checked=0.0)


def conversation_triage_texts(*, conversation_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The text triage reads (the subject and the first customer message) and the
    conversation's known language (the customer's preference), per conversation, in one query
    (plus one for conversations without a customer message)."""
    texts: dict[int, tuple[str, str]] = {}
    rows = (
        Message.objects.filter(conversation_id__in=conversation_ids, direction=Direction.INCOMING)
        .order_by("id")
        .values_list(
            "conversation_id",
            "conversation__subject",
            "reply_text",
            "body_text",
            "conversation__customer__language",
        )
    )
    for conversation_id, subject, reply_text, body_text, language in rows:
        if conversation_id not in texts:  # the first customer message
            texts[conversation_id] = (
                f"{subject}\n{reply_text or body_text}".strip(),
                language or "",
            )
    missing = [pk for pk in conversation_ids if pk not in texts]
    if missing:
        for pk, subject, language in Conversation.objects.filter(pk__in=missing).values_list(
            "pk", "subject", "customer__language"
        ):
            texts[pk] = (subject, language or "")
    return texts


def conversations_triage_create(*, conversation_ids: Sequence[int]) -> list[ConversationTriage]:
    """Triage new conversations (in the caller's transaction) with one INSERT. Idempotent: an
    existing triage is kept (and its correction)."""
    texts = conversation_triage_texts(conversation_ids=conversation_ids)
    model = active_intent_model()
    triages = []
    for conversation_id in conversation_ids:
        if conversation_id not in texts:
            continue  # gone meanwhile
        text, known_language = texts[conversation_id]
        result = triage_text(text, known_language=known_language, model=model)
        if model is not None:
            result.explanation["intent"] = {"model_id": model.info.get("model_id")}
        triages.append(
            ConversationTriage(
                conversation_id=conversation_id,
                language=result.language,
                language_confidence=result.language_confidence,
                sentiment=result.sentiment,
                sentiment_score=result.sentiment_score,
                urgency=result.urgency,
                intent=result.intent[:INTENT_MAX],
                intent_confidence=result.intent_confidence,
                explanation=result.explanation,
            )
        )
    ConversationTriage.objects.bulk_create(triages, ignore_conflicts=True)
    return triages


def conversation_triage_create(*, conversation_id: int) -> ConversationTriage | None:
    """Triage a new conversation (in the caller's transaction); see conversations_triage_create."""
    triages = conversations_triage_create(conversation_ids=[conversation_id])
    return triages[0] if triages else None


def on_conversation_created(event) -> None:
    """In the publisher's transaction, so rules that run after commit can read the triage. A
    batch (messages_receive) is triaged once, on ConversationsCreated."""
    if event.in_batch:
        return
    with transaction.atomic():
        conversation_triage_create(conversation_id=event.conversation_id)


def on_conversations_created(event) -> None:
    with transaction.atomic():
        conversations_triage_create(conversation_ids=event.conversation_ids)


def triage_correct_intent(
    *, conversation: Conversation, intent: str, actor: Agent
) -> ConversationTriage:
    """An agent's correction: wins over the prediction and becomes a training example. An
    intent the team has not used yet may be given (a new one starts that way); "" undoes."""
    intent = " ".join((intent or "").split())
    if len(intent) > INTENT_MAX:
        raise InvalidInput(_("An intent has at most %(max)s characters.") % {"max": INTENT_MAX})
    with transaction.atomic():
        triage = ConversationTriage.objects.select_for_update().filter(
            conversation=conversation
        ).first() or ConversationTriage(conversation=conversation)
        triage.intent_corrected = intent
        triage.corrected_by = actor if intent else None
        triage.corrected_at = timezone.now() if intent else None
        triage.save()
    return triage


def intent_model_train(*, actor: Agent | None = None) -> TriageModel | None:
    """Train the classifier on the labelled conversations; None when there are too few.
    Keeps the last KEEP_MODELS models."""
    examples = training_examples()
    per_intent: dict[str, int] = {}
    for _text, label in examples:
        per_intent[label] = per_intent.get(label, 0) + 1
    usable = [(t, label) for t, label in examples if per_intent[label] >= MIN_PER_INTENT]
    if len(usable) < MIN_EXAMPLES or len({label for _t, label in usable}) < 2:
        logger.info("Intent model not trained: %s labelled examples", len(usable))
        return None
    model = train(usable)
    info = model.info
    stored = TriageModel.objects.create(
        trained_by=actor,
        examples=info["examples"],
        labels=model.labels,
        holdout_size=info.get("holdout_size", 0),
        holdout_accuracy=info.get("holdout_accuracy"),
        holdout_macro_f1=info.get("holdout_macro_f1"),
        train_seconds=info["train_seconds"],
        data=model.dumps(),
    )
    old = list(TriageModel.objects.order_by("-id").values_list("id", flat=True)[KEEP_MODELS:])
    if old:
        TriageModel.objects.filter(pk__in=old).delete()
    forget_intent_model()
    return stored


def triage_get(*, conversation: Conversation) -> ConversationTriage:
    triage = ConversationTriage.objects.filter(conversation=conversation).first()
    if triage is None:
        raise NotFound(_("This conversation has not been triaged."))
    return triage


__all__ = [
    "active_intent_model",
    "conversation_triage_create",
    "intent_choices",
    "intent_model_train",
    "triage_correct_intent",
    "triage_get",
]
