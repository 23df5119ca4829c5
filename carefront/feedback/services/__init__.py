"""Writes of the feedback app. Import services from here."""

from .comments import (
    feedback_comment_record,
    feedback_comment_record_rating,
    feedback_comments_backfill,
    nps_sentiment,
)
from .ratings import SurveyClosed, rating_record, survey_for_token
from .surveys import survey_schedule, survey_send, surveys_cancel, surveys_flush
from .themes import (
    feedback_comments_move,
    theme_merge,
    theme_rename,
    theme_split,
    themes_assign_new,
    themes_regroup,
)

__all__ = [
    "SurveyClosed",
    "feedback_comment_record",
    "feedback_comment_record_rating",
    "feedback_comments_backfill",
    "feedback_comments_move",
    "nps_sentiment",
    "rating_record",
    "survey_for_token",
    "survey_schedule",
    "survey_send",
    "surveys_cancel",
    "surveys_flush",
    "theme_merge",
    "theme_rename",
    "theme_split",
    "themes_assign_new",
    "themes_regroup",
]
