"""The quality app's models, one module per part."""

from .coaching import CoachingGoal, CoachingSession
from .marks import QaCheckSetting, QaMark
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
from .reviews import (
    SCALE_RANGE,
    CalibrationSession,
    Review,
    ReviewScore,
    ReviewState,
    Scale,
    Scorecard,
    ScorecardCategory,
    ScorecardVersion,
)

__all__ = [
    "SCALE_RANGE",
    "CalibrationSession",
    "CoachingGoal",
    "CoachingSession",
    "DigestState",
    "Kudos",
    "PulseAnswer",
    "PulseAnswered",
    "PulseRound",
    "QaCheckSetting",
    "QaMark",
    "RecognitionDigest",
    "Review",
    "ReviewScore",
    "ReviewState",
    "Scale",
    "Scorecard",
    "ScorecardCategory",
    "ScorecardVersion",
    "TrainingAssignment",
    "TrainingItem",
]
