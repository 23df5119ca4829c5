"""Tests: the database comes from CAREFRONT_DATABASE_URL (SQLite by default, PostgreSQL in CI)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CAREFRONT, DATABASES

SECRET_KEY = "test-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def _temporary_folder(prefix: str) -> Path:
    """A folder for this test process, removed when it exits (each run made new ones)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


MEDIA_ROOT = _temporary_folder("carefront-test-media-")
# Per test process: a parallel worker moving a generation on would empty this one's cache.
CAREFRONT_GENERATIONS_DIR = (
    Path(os.environ["CAREFRONT_GENERATIONS_DIR"])
    if os.environ.get("CAREFRONT_GENERATIONS_DIR")
    else _temporary_folder("carefront-test-generations-")
)
ALLOWED_HOSTS = ["*"]
# High enough that no test (nor the schemathesis run) meets them; rate-limit tests set their own.
CAREFRONT = {
    **CAREFRONT,
    "API_RATE_LIMITS": {"read": "100000/min", "write": "100000/min", "failed_auth": "100000/min"},
    # Links in emails sent outside a request (satisfaction surveys need one to be sent).
    "BASE_URL": "https://help.example.test",
    # Themes from the lexical vectors (always installed); the embedding tests ask for MiniLM.
    "FEEDBACK_THEMES_SPACE": "lexical",
}
# Test receivers listen on loopback; the SSRF tests turn this off.
CAREFRONT_WEBHOOKS_ALLOW_PRIVATE = True
# Each test rolls its data back, which no cache would notice; webhooks' own tests turn it on.
CAREFRONT_WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS = 0

if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Unique per run so that parallel test runs on one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_carefront_{os.getpid()}"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
