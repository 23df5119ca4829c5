"""Triage of one text, without the database: language, sentiment, urgency and intent."""

from dataclasses import dataclass, field

from carefront.nlp import analyse_sentiment

from .intent import IntentModel
from .language import detect
from .urgency import urgency_level, urgency_signals

MAX_DRIVERS = 5


@dataclass(frozen=True)
class TriageResult:
    language: str
    language_confidence: float | None
    sentiment: str
    sentiment_score: float | None
    urgency: str
    intent: str
    intent_confidence: float | None
    explanation: dict = field(default_factory=dict)


def triage_text(
    text: str, *, known_language: str = "", model: IntentModel | None = None
) -> TriageResult:
    """`known_language`: the conversation's language when it is already known (the customer's
    preference), used instead of detecting one."""
    explanation: dict = {}
    if known_language:
        language, language_confidence = known_language, None
        explanation["language"] = {"method": "known"}
    else:
        guess = detect(text)
        language, language_confidence = guess.language, guess.confidence
        explanation["language"] = {"method": guess.method}
    sentiment = analyse_sentiment(text, language=language or None)
    if sentiment.label == "unknown":
        label, score = "", None
    else:
        label, score = sentiment.label, sentiment.score
        strongest = sorted(sentiment.drivers, key=lambda d: abs(d.weight), reverse=True)
        explanation["sentiment"] = [
            {"text": d.text, "weight": d.weight} for d in strongest[:MAX_DRIVERS]
        ]
    signals = urgency_signals(text, sentiment_score=score)
    explanation["urgency"] = [{"kind": s.kind, "text": s.text, "points": s.points} for s in signals]
    intent, confidence = "", None
    if model is not None:
        intent, confidence = model.predict(text)
        confidence = round(confidence, 3)
    return TriageResult(
        language=language[:16],
        language_confidence=language_confidence,
        sentiment=label,
        sentiment_score=score,
        urgency=urgency_level(signals),
        intent=intent,
        intent_confidence=confidence,
        explanation=explanation,
    )
