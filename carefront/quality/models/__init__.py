"""The quality app's models, one module per part."""

from .coaching import CoachingGoal, CoachingSession
from .marks import QaCheckSetting, QaMark
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
    "QaCheckSetting",
    "QaMark",
    "Review",
    "ReviewScore",
    "ReviewState",
    "Scale",
    "Scorecard",
    "ScorecardCategory",
    "ScorecardVersion",
]
