"""Writes of the quality app, one module per part."""

from .coaching import GoalIn, coaching_create, coaching_remind, coaching_reminders_flush
from .marks import (
    check_config,
    check_setting_update,
    replies_check_missing,
    replies_recheck,
    reply_check,
    reply_preview_check,
)
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
    "check_config",
    "check_setting_update",
    "coaching_create",
    "coaching_remind",
    "coaching_reminders_flush",
    "replies_check_missing",
    "replies_recheck",
    "reply_check",
    "reply_preview_check",
    "review_create",
    "review_dispute",
    "review_prefill",
    "review_reply",
    "review_resolve",
    "review_total",
    "scorecard_create",
    "scorecard_update",
]
