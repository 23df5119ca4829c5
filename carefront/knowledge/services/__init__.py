"""Writes of the knowledge app."""

from .articles import (
    article_create,
    article_image_upload,
    article_revision_embed,
    article_status_set,
    article_translation_create,
    article_translation_mark_current,
    article_update,
    category_create,
    help_centre_settings,
    help_centre_settings_update,
    section_create,
)
from .signals import (
    article_view_record,
    article_vote,
    content_gap_dismiss,
    content_gap_draft,
    content_gap_hit,
    search_outcomes_settle,
    search_record,
    search_result_opened,
)

__all__ = [
    "article_create",
    "article_image_upload",
    "article_revision_embed",
    "article_status_set",
    "article_translation_create",
    "article_translation_mark_current",
    "article_update",
    "article_view_record",
    "article_vote",
    "category_create",
    "content_gap_dismiss",
    "content_gap_draft",
    "content_gap_hit",
    "help_centre_settings",
    "help_centre_settings_update",
    "search_outcomes_settle",
    "search_record",
    "search_result_opened",
    "section_create",
]
