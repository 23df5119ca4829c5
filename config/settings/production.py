"""Production: PostgreSQL, Redis cache, real SMTP. Everything secret comes from the environment."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["CAREFRONT_SECRET_KEY"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if os.environ.get("CAREFRONT_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CAREFRONT_REDIS_URL"],
        }
    }
else:
    # Without a shared cache, a session ended in one process would live on in another's memory.
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
