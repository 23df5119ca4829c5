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
from .contact import ContactDeflection, ContactForm, ContactSubmission, PortalSignIn
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
    "ContactDeflection",
    "ContactForm",
    "ContactSubmission",
    "ContentGap",
    "ContentGapHit",
    "GapKind",
    "GapStatus",
    "HelpCentreSettings",
    "PortalSignIn",
    "SearchLog",
    "Section",
    "VoteReason",
]
