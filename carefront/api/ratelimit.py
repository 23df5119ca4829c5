"""Rate limits for the API: a fixed-window counter per caller and kind of call, in Django's cache.

Buckets: `read` (GET/HEAD/OPTIONS) and `write` (the rest) per token, or per agent for the UI's
session calls; `failed_auth` per client IP for calls that could not be authenticated. Limits come
from `CAREFRONT["API_RATE_LIMITS"]` ("600/min", "off"), read at each call so tests can override
them. One cache round trip per request: `INCR` (pipelined with `EXPIRE NX` on Redis, so the
counter and its expiry are set atomically), falling back to `add` when the window is new. With
the local-memory cache the limits hold per process (right for the embedded, one-process mode);
with `CAREFRONT_REDIS_URL` set, every process shares them.
"""

from __future__ import annotations

import math
import time
import zlib
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

KEY_PREFIX = "api-rate"
_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
}
_PERIODS |= {"d": 86400, "day": 86400}


@dataclass(frozen=True, slots=True)
class Rate:
    limit: int
    window: int  # seconds


@dataclass(frozen=True, slots=True)
class Usage:
    """Where one caller stands in the current window, after counting this request."""

    limit: int
    count: int
    reset_at: float  # epoch seconds at which the window ends

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    def retry_after(self, now: float | None = None) -> int:
        """Whole seconds to wait for the next window (at least 1)."""
        return max(1, math.ceil(self.reset_at - (time.time() if now is None else now)))

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


class RateLimited(Exception):  # noqa: N818 - named for the HTTP status it becomes
    """The caller is over its limit; errors.py turns it into a 429 with Retry-After."""

    def __init__(self, usage: Usage) -> None:
        super().__init__("rate limited")
        self.usage = usage


@lru_cache(maxsize=64)
def parse_rate(text: str | None) -> Rate | None:
    """`"600/min"`, `"10/s"`, `"1000/5m"` -> Rate; `None`, `""` or `"off"` -> no limit."""
    if text is None or not str(text).strip() or str(text).strip().lower() == "off":
        return None
    count, _, period = str(text).strip().partition("/")
    period = period.strip().lower() or "min"
    digits = ""
    while period and period[0].isdigit():
        digits, period = digits + period[0], period[1:]
    if period not in _PERIODS or not count.strip().isdigit():
        raise ValueError(f"Bad rate {text!r}: use COUNT/PERIOD, e.g. '600/min' or 'off'.")
    return Rate(limit=int(count), window=int(digits or 1) * _PERIODS[period])


def rate_for(bucket: str) -> Rate | None:
    return parse_rate(settings.CAREFRONT.get("API_RATE_LIMITS", {}).get(bucket))


def hit(*, bucket: str, ident: str, now: float | None = None) -> Usage | None:
    """Count one request of `ident` in `bucket`; None when that bucket has no limit."""
    rate = rate_for(bucket)
    if rate is None:
        return None
    now = time.time() if now is None else now
    # Each caller's window starts at its own offset, so that not every client is released at
    # the same second.
    offset = zlib.crc32(ident.encode()) % rate.window
    window_index = int((now - offset) // rate.window)
    reset_at = offset + (window_index + 1) * rate.window
    key = f"{KEY_PREFIX}:{bucket}:{ident}:{window_index}"
    count = _incr(caches[settings.CAREFRONT.get("API_RATE_CACHE", "default")], key, rate.window)
    return Usage(limit=rate.limit, count=count, reset_at=reset_at)


def _incr(cache: BaseCache, key: str, timeout: int) -> int:
    """Add one to the counter `key` (created with `timeout`) and return the new value."""
    if isinstance(cache, RedisCache):
        # Django's RedisCache.incr costs two round trips (EXISTS, INCR) and cannot set an
        # expiry; a MULTI pipeline does both in one.
        full_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(full_key, write=True)
        pipe = client.pipeline(transaction=True)
        pipe.incr(full_key)
        pipe.expire(full_key, timeout + 1, nx=True)
        count, _ = pipe.execute()
        return int(count)
    try:
        return cache.incr(key)
    except ValueError:
        if cache.add(key, 1, timeout + 1):
            return 1
        return cache.incr(key)  # another request created it meanwhile


def client_ip(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or the address the trusted proxies saw.

    `CAREFRONT["API_TRUSTED_PROXIES"]` is how many reverse proxies stand in front (0: none,
    and X-Forwarded-For is ignored, since any client can write it).
    """
    proxies = int(settings.CAREFRONT.get("API_TRUSTED_PROXIES", 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
