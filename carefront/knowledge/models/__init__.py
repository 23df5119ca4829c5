"""The knowledge app's models, one module per part."""

from .articles import (
    Article,
    ArticleImage,
    ArticleRevision,
    ArticleStatus,
    ArticleVisibility,
    Category,
    HelpCentreSettings,
    Section,
)
from .signals import (
    ArticleVote,
    ContentGap,
    ContentGapHit,
    GapKind,
    GapStatus,
    SearchLog,
    VoteReason,
)

__all__ = [
    "Article",
    "ArticleImage",
    "ArticleRevision",
    "ArticleStatus",
    "ArticleVisibility",
    "ArticleVote",
    "Category",
    "ContentGap",
    "ContentGapHit",
    "GapKind",
    "GapStatus",
    "HelpCentreSettings",
    "SearchLog",
    "Section",
    "VoteReason",
]
