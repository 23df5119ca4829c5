"""Writes of the feedback app. Import services from here."""

from .ratings import SurveyClosed, rating_record, survey_for_token
from .surveys import survey_schedule, survey_send, surveys_cancel, surveys_flush

__all__ = [
    "SurveyClosed",
    "rating_record",
    "survey_for_token",
    "survey_schedule",
    "survey_send",
    "surveys_cancel",
    "surveys_flush",
]
