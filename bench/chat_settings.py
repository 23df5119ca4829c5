"""Settings for the chat socket benchmark (bench/chat.py): the bench settings, with the chat's
rate limits out of reach (every bench socket comes from 127.0.0.1) and, when the Redis layer is
measured with two server processes, the cache in Redis too (as config/settings/production.py
does), so that both processes share sessions, rate limits and generations."""

import os

from bench.settings import *  # noqa: F403

CAREFRONT = {
    **CAREFRONT,  # noqa: F405
    "API_RATE_LIMITS": {
        **CAREFRONT["API_RATE_LIMITS"],  # noqa: F405
        "chat_visitor": "1000000/min",
        "chat_ip": "1000000/min",
        "chat_session": "1000000/min",
    },
}

if os.environ.get("CAREFRONT_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CAREFRONT_REDIS_URL"],
            "KEY_PREFIX": "carefront-bench-chat",
        }
    }
    # The layer of config/settings/base.py, under a prefix of the bench's own.
    CHANNEL_LAYERS = {
        "default": {
            **CHANNEL_LAYERS["default"],  # noqa: F405
            "CONFIG": {
                **CHANNEL_LAYERS["default"]["CONFIG"],  # noqa: F405
                "prefix": os.environ.get("BENCH_CHAT_PREFIX", "carefront-bench-chat"),
            },
        }
    }
