"""Writes of the feedback app. Import services from here."""

from .praise import praise_for_rating, praise_from_message
from .ratings import SurveyClosed, rating_record, survey_for_token
from .recovery import (
    NEGATIVE_COMMENT_THRESHOLD,
    recovery_close,
    recovery_default_owner,
    recovery_due_at,
    recovery_for_rating,
    recovery_mark_overdue,
    recovery_open,
    recovery_overdue_flush,
    recovery_reassign,
)
from .surveys import survey_schedule, survey_send, surveys_cancel, surveys_flush

__all__ = [
    "NEGATIVE_COMMENT_THRESHOLD",
    "SurveyClosed",
    "praise_for_rating",
    "praise_from_message",
    "rating_record",
    "recovery_close",
    "recovery_default_owner",
    "recovery_due_at",
    "recovery_for_rating",
    "recovery_mark_overdue",
    "recovery_open",
    "recovery_overdue_flush",
    "recovery_reassign",
    "survey_for_token",
    "survey_schedule",
    "survey_send",
    "surveys_cancel",
    "surveys_flush",
]
