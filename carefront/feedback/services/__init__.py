"""Writes of the feedback app. Import services from here."""

from .nps import (
    is_sampled,
    nps_campaign_create,
    nps_campaign_invite_batch,
    nps_campaign_preview,
    nps_campaign_run,
    nps_campaign_run_and_continue,
    nps_campaign_start,
    nps_campaign_update,
    nps_flush,
    nps_invitation_send,
    nps_invitations_send_batch,
    nps_segment,
)
from .nps_answers import nps_answer_record, nps_invitation_for_token
from .praise import praise_for_rating, praise_from_message
from .ratings import SurveyClosed, rating_record, survey_for_token
from .recovery import (
    NEGATIVE_COMMENT_THRESHOLD,
    recovery_close,
    recovery_default_owner,
    recovery_due_at,
    recovery_for_nps,
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
    "is_sampled",
    "nps_answer_record",
    "nps_campaign_create",
    "nps_campaign_invite_batch",
    "nps_campaign_preview",
    "nps_campaign_run",
    "nps_campaign_run_and_continue",
    "nps_campaign_start",
    "nps_campaign_update",
    "nps_flush",
    "nps_invitation_for_token",
    "nps_invitation_send",
    "nps_invitations_send_batch",
    "nps_segment",
    "praise_for_rating",
    "praise_from_message",
    "rating_record",
    "recovery_close",
    "recovery_default_owner",
    "recovery_due_at",
    "recovery_for_nps",
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
