"""Satisfaction surveys sent after a resolution, the customers' ratings, NPS campaigns, recovery
of bad experiences, praise, and the feedback inbox (every comment, grouped into themes)."""

from .comments import CommentSource, CommentVector, FeedbackComment, Sentiment, Theme, ThemeRun
from .improvements import (
    Improvement,
    ImprovementLink,
    ImprovementNotice,
    ImprovementOptOut,
    ImprovementStatus,
    NoticeStatus,
)
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
    "CommentSource",
    "CommentVector",
    "FeedbackComment",
    "Improvement",
    "ImprovementLink",
    "ImprovementNotice",
    "ImprovementOptOut",
    "ImprovementStatus",
    "InvitationStatus",
    "NoticeStatus",
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
    "Sentiment",
    "SourceKind",
    "Survey",
    "SurveyStatus",
    "Theme",
    "ThemeRun",
    "nps_category",
]
