"""Triage of a conversation (language, sentiment, urgency, intent) and the intent correction;
the intent model and its retraining (admins). Thin: parse, call a selector or service, render."""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from carefront.accounts.services.permissions import require_admin
from carefront.automation.models import ConversationTriage
from carefront.automation.triage.selectors import latest_intent_model
from carefront.automation.triage.services import triage_correct_intent, triage_get
from carefront.automation.triage.tasks import intent_model_train_task
from carefront.conversations.selectors import access_conversation

from ..auth import caller
from ..schemas import ErrorOut, Id, ValidationErrorOut

router = Router(tags=["triage"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class TriageOut(Schema):
    conversation_id: int
    language: str
    language_confidence: float | None
    sentiment: str
    sentiment_score: float | None
    urgency: str
    intent: str
    intent_confidence: float | None
    intent_corrected: str
    effective_intent: str
    corrected_by_id: int | None
    corrected_at: dt.datetime | None
    explanation: dict
    created_at: dt.datetime


class IntentIn(Schema):
    intent: str = Field(..., max_length=100, description='The right intent; "" undoes.')


class IntentModelOut(Schema):
    id: int
    trained_at: dt.datetime
    examples: int
    intents: list[str]
    holdout_size: int
    holdout_accuracy: float | None
    holdout_macro_f1: float | None
    train_seconds: float


class IntentModelStatusOut(Schema):
    model: IntentModelOut | None = Field(None, description="null until a model is trained")


class RetrainOut(Schema):
    queued: bool


def _out(triage: ConversationTriage) -> dict:
    return {
        "conversation_id": triage.conversation_id,
        "language": triage.language,
        "language_confidence": triage.language_confidence,
        "sentiment": triage.sentiment,
        "sentiment_score": triage.sentiment_score,
        "urgency": triage.urgency,
        "intent": triage.intent,
        "intent_confidence": triage.intent_confidence,
        "intent_corrected": triage.intent_corrected,
        "effective_intent": triage.effective_intent,
        "corrected_by_id": triage.corrected_by_id,
        "corrected_at": triage.corrected_at,
        "explanation": triage.explanation,
        "created_at": triage.created_at,
    }


@router.get("/conversations/{conversation_id}/triage", response={200: TriageOut, **ERRORS})
def get_triage(request: HttpRequest, conversation_id: Path[Id]):
    conversation = access_conversation(actor=caller(request), conversation_id=conversation_id)
    return _out(triage_get(conversation=conversation))


@router.patch("/conversations/{conversation_id}/triage", response={200: TriageOut, **ERRORS})
def correct_triage(request: HttpRequest, conversation_id: Path[Id], payload: IntentIn):
    """Correct the intent; the correction wins over the prediction and trains the next model."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    return _out(
        triage_correct_intent(conversation=conversation, intent=payload.intent, actor=actor)
    )


@router.get("/triage/model", response={200: IntentModelStatusOut, **ERRORS})
def get_intent_model(request: HttpRequest):
    require_admin(caller(request))
    model = latest_intent_model()
    if model is None:
        return {"model": None}
    return {
        "model": {
            "id": model.pk,
            "trained_at": model.created_at,
            "examples": model.examples,
            "intents": model.labels,
            "holdout_size": model.holdout_size,
            "holdout_accuracy": model.holdout_accuracy,
            "holdout_macro_f1": model.holdout_macro_f1,
            "train_seconds": model.train_seconds,
        }
    }


@router.post("/triage/model/retrain", response={202: RetrainOut, **ERRORS})
def retrain_intent_model(request: HttpRequest):
    actor = caller(request)
    require_admin(actor)
    intent_model_train_task.enqueue(actor.pk)
    return Status(202, {"queued": True})
