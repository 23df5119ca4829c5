"""Satisfaction surveys sent after a resolution, the customers' ratings, and the feedback inbox
(every comment, grouped into themes)."""

from .comments import CommentSource, CommentVector, FeedbackComment, Sentiment, Theme, ThemeRun
from .ratings import Rating, Score, Survey, SurveyStatus

__all__ = [
    "CommentSource",
    "CommentVector",
    "FeedbackComment",
    "Rating",
    "Score",
    "Sentiment",
    "Survey",
    "SurveyStatus",
    "Theme",
    "ThemeRun",
]
