"""Satisfaction surveys sent after a resolution, the customers' ratings, NPS campaigns, recovery
of bad experiences, and praise."""

from .nps import (
    CampaignStatus,
    InvitationStatus,
    NpsCampaign,
    NpsCategory,
    NpsInvitation,
    NpsResponse,
    nps_category,
)
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
    "CampaignStatus",
    "InvitationStatus",
    "NpsCampaign",
    "NpsCategory",
    "NpsInvitation",
    "NpsResponse",
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
    "nps_category",
]
