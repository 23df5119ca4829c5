"""Satisfaction surveys sent after a resolution, and the customers' ratings."""

from .ratings import Rating, Score, Survey, SurveyStatus

__all__ = ["Rating", "Score", "Survey", "SurveyStatus"]
