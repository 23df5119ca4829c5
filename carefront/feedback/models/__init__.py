"""Satisfaction surveys and ratings, recovery of bad experiences, and praise."""

from .praise import Praise, PraiseSource
from .ratings import Rating, Score, Survey, SurveyStatus
from .recovery import (
    RecoveryOutcome,
    RecoveryReason,
    RecoveryState,
    RecoveryTask,
    SourceKind,
)

__all__ = [
    "Praise",
    "PraiseSource",
    "Rating",
    "RecoveryOutcome",
    "RecoveryReason",
    "RecoveryState",
    "RecoveryTask",
    "Score",
    "SourceKind",
    "Survey",
    "SurveyStatus",
]
