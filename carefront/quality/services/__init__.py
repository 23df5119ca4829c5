"""Writes of the quality app, one module per part."""

from .marks import (
    check_config,
    check_setting_update,
    replies_check_missing,
    replies_recheck,
    reply_check,
    reply_preview_check,
)

__all__ = [
    "check_config",
    "check_setting_update",
    "replies_check_missing",
    "replies_recheck",
    "reply_check",
    "reply_preview_check",
]
