"""The quality app's models, one module per part."""

from .people import (
    DigestState,
    Kudos,
    PulseAnswer,
    PulseAnswered,
    PulseRound,
    RecognitionDigest,
    TrainingAssignment,
    TrainingItem,
)

__all__ = [
    "DigestState",
    "Kudos",
    "PulseAnswer",
    "PulseAnswered",
    "PulseRound",
    "RecognitionDigest",
    "TrainingAssignment",
    "TrainingItem",
]
