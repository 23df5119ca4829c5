from .coaching import GoalIn, coaching_create, coaching_remind, coaching_reminders_flush
from .reviews import (
    Prefill,
    ScoreIn,
    calibration_create,
    review_create,
    review_dispute,
    review_prefill,
    review_reply,
    review_resolve,
    review_total,
)
from .scorecards import CategoryIn, scorecard_create, scorecard_update

__all__ = [
    "CategoryIn",
    "GoalIn",
    "Prefill",
    "ScoreIn",
    "calibration_create",
    "coaching_create",
    "coaching_remind",
    "coaching_reminders_flush",
    "review_create",
    "review_dispute",
    "review_prefill",
    "review_reply",
    "review_resolve",
    "review_total",
    "scorecard_create",
    "scorecard_update",
]
