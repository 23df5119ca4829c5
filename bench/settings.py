"""Settings for benchmarks: production-like (DEBUG off), the database from CAREFRONT_DATABASE_URL.

Nothing leaves the machine: mail goes to a backend that sends nothing.
"""

import os
from pathlib import Path

from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
MEDIA_ROOT = Path(os.environ.get("CAREFRONT_MEDIA_ROOT", Path(__file__).parent / "out" / "media"))
STATIC_ROOT = Path(__file__).parent / "out" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Fast hashing: the bench measures pages, not PBKDF2 (one login per run anyway).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "carefront": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django": {"handlers": ["console"], "level": "ERROR"},
    },
}

if os.environ.get("BENCH_NO_CACHE"):
    # Every page as a first view: nothing rendered or listed is reused between requests.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# The limiter stays on (its cost is part of what is measured), with limits no bench reaches.
CAREFRONT = {
    **CAREFRONT,  # noqa: F405
    "API_RATE_LIMITS": {"read": "10000000/min", "write": "10000000/min", "failed_auth": "600/min"},
}
