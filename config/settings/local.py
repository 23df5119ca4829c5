"""Embedded mode: one command, SQLite, in-process worker, demo data."""

import os

from .base import *  # noqa: F403
from .base import CAREFRONT, VAR_DIR

DEBUG = True
# Embedded mode runs on a laptop or a private network: receivers there are the usual case.
CAREFRONT_WEBHOOKS_ALLOW_PRIVATE = os.environ.get("CAREFRONT_WEBHOOKS_ALLOW_PRIVATE", "1") == "1"
# Replies are written to files instead of being sent, unless an SMTP relay is configured.
if not os.environ.get("CAREFRONT_EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "sent-mail")},
        }
    }

# `make run` serves on 127.0.0.1:8000: links in emails (satisfaction surveys) point there.
if not CAREFRONT["BASE_URL"]:
    CAREFRONT = {**CAREFRONT, "BASE_URL": "http://127.0.0.1:8000"}

VAR_DIR.mkdir(parents=True, exist_ok=True)
