"""The local Redis for tests that need a shared cache: a fresh key prefix per use."""

import os
import uuid

import pytest

REDIS_URL = os.environ.get("CAREFRONT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_cache_setting() -> dict:
    """A CACHES entry on the real Redis, with a key prefix of its own; skips the test (fails it
    in CI) when Redis is not reachable."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"cf-test-{uuid.uuid4().hex}",
    }
