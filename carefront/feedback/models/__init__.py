"""Satisfaction surveys sent after a resolution, the customers' ratings, and NPS campaigns."""

from .nps import (
    CampaignStatus,
    InvitationStatus,
    NpsCampaign,
    NpsCategory,
    NpsInvitation,
    NpsResponse,
    nps_category,
)
from .ratings import Rating, Score, Survey, SurveyStatus

__all__ = [
    "CampaignStatus",
    "InvitationStatus",
    "NpsCampaign",
    "NpsCategory",
    "NpsInvitation",
    "NpsResponse",
    "Rating",
    "Score",
    "Survey",
    "SurveyStatus",
    "nps_category",
]
