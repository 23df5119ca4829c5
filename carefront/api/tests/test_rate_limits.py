"""Rate limits: per token (or session agent) for reads and writes, per IP for failed auth.

Every test runs against the local-memory cache (one process) and against the real Redis on
127.0.0.1:6379 (several processes), each under a key prefix of its own.
"""

import time
import uuid

import pytest
from django.core.cache import caches
from django.test import Client

from carefront.accounts.models import TokenScope
from carefront.api import ratelimit
from tests.support.redis import redis_cache_setting

from .conftest import token_client

pytestmark = pytest.mark.django_db

ALIAS = "rate-limit-test"


@pytest.fixture(params=["locmem", "redis"])
def limits(request, settings):
    """Rate limits in a cache of their own; returns a function that sets the limits."""
    if request.param == "redis":
        backend = redis_cache_setting()
    else:
        prefix = f"cf-test-{uuid.uuid4().hex}"
        backend = {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": prefix,
            "KEY_PREFIX": prefix,
        }
    settings.CACHES = {**settings.CACHES, ALIAS: backend}

    def set_limits(**rates: str) -> None:
        settings.CAREFRONT = {
            **settings.CAREFRONT,
            "API_RATE_CACHE": ALIAS,
            "API_RATE_LIMITS": {"read": "off", "write": "off", "failed_auth": "off", **rates},
        }

    yield set_limits
    if request.param == "redis":
        client = caches[ALIAS]._cache.get_client(write=True)
        keys = list(client.scan_iter(f"{backend['KEY_PREFIX']}:*"))
        if keys:
            client.delete(*keys)


def test_reads_are_limited_per_token_with_headers(limits, agent):
    limits(read="3/min")
    api = token_client(agent)
    remaining = []
    for _ in range(3):
        response = api.get("/api/v1/inboxes")
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "3"
        reset = int(response["X-RateLimit-Reset"])
        assert time.time() < reset <= time.time() + 61
        remaining.append(response["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]

    response = api.get("/api/v1/inboxes")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Remaining"] == "0"


def test_each_token_has_its_own_limit(limits, agent):
    limits(read="1/min")
    first, second = token_client(agent), token_client(agent)
    assert first.get("/api/v1/inboxes").status_code == 200
    assert first.get("/api/v1/inboxes").status_code == 429
    assert second.get("/api/v1/inboxes").status_code == 200


def test_writes_have_their_own_budget(limits, agent, inbox):
    limits(read="2/min", write="1/min")
    api = token_client(agent)
    payload = {"inbox_id": inbox.pk, "customer": {"email": "ana@example.com"}, "body": "Hi"}
    assert (
        api.post("/api/v1/conversations", payload, content_type="application/json").status_code
        == 201
    )
    response = api.post("/api/v1/conversations", payload, content_type="application/json")
    assert response.status_code == 429
    assert response["X-RateLimit-Limit"] == "1"
    # Reads are still allowed: they are counted apart.
    response = api.get("/api/v1/conversations")
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "2"


def test_a_read_only_token_writing_still_counts_against_its_writes(limits, agent, inbox):
    limits(write="1/min")
    api = token_client(agent, TokenScope.READ)
    body = {"body": "x"}
    assert (
        api.post("/api/v1/conversations", body, content_type="application/json").status_code == 403
    )
    assert (
        api.post("/api/v1/conversations", body, content_type="application/json").status_code == 429
    )


def test_session_calls_are_limited_per_agent(limits, agent):
    limits(read="1/min")
    browser = Client()
    browser.force_login(agent)
    assert browser.get("/api/v1/inboxes").status_code == 200
    response = browser.get("/api/v1/inboxes")
    assert response.status_code == 429
    assert response["Retry-After"]


def test_failed_authentication_is_limited_per_ip(limits, agent):
    limits(failed_auth="2/min", read="100/min")
    stranger = Client(REMOTE_ADDR="192.0.2.7", headers={"Authorization": "Bearer cf_wrong"})
    for _ in range(2):
        response = stranger.get("/api/v1/inboxes")
        assert response.status_code == 401
        assert response["X-RateLimit-Limit"] == "2"
    response = stranger.get("/api/v1/inboxes")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1
    # Another address is not affected, nor is a caller with a good token from the same one.
    assert Client(REMOTE_ADDR="192.0.2.8").get("/api/v1/inboxes").status_code == 401
    good = token_client(agent)
    assert good.get("/api/v1/inboxes", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(limits, settings):
    limits(failed_auth="1/min")
    for address in ("198.51.100.1", "198.51.100.2"):
        # Without a trusted proxy, a client cannot dodge the limit by inventing addresses.
        response = Client(REMOTE_ADDR="10.0.0.1").get(
            "/api/v1/inboxes", HTTP_X_FORWARDED_FOR=address
        )
    assert response.status_code == 429
    settings.CAREFRONT = {**settings.CAREFRONT, "API_TRUSTED_PROXIES": 1}
    response = Client(REMOTE_ADDR="10.0.0.1").get(
        "/api/v1/inboxes", HTTP_X_FORWARDED_FOR="198.51.100.3"
    )
    assert response.status_code == 401


def test_no_limit_means_no_headers(limits, agent):
    limits(read="off")
    response = token_client(agent).get("/api/v1/inboxes")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response


def test_the_window_resets(limits):
    limits(read="2/min")
    now = time.time()
    first = ratelimit.hit(bucket="read", ident="token:window", now=now)
    assert first.count == 1
    assert ratelimit.hit(bucket="read", ident="token:window", now=now).count == 2
    assert ratelimit.hit(bucket="read", ident="token:window", now=now).exceeded
    later = ratelimit.hit(bucket="read", ident="token:window", now=first.reset_at + 0.01)
    assert later.count == 1
    assert later.reset_at == first.reset_at + 60


def test_the_counter_expires_with_its_window(limits):
    limits(read="5/min")
    usage = ratelimit.hit(bucket="read", ident="token:expiry")
    cache = caches[ALIAS]
    keys = [k for k in _keys(cache) if "token:expiry" in k]
    assert len(keys) == 1
    if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):
        ttl = cache._cache.get_client(write=True).ttl(keys[0])
        assert 0 < ttl <= 61
    assert usage.remaining == 4


def _keys(cache) -> list[str]:
    if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):
        prefix = cache.key_prefix
        client = cache._cache.get_client(write=True)
        return [k.decode() for k in client.scan_iter(f"{prefix}:*")]
    return list(cache._cache.keys())


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("600/min", ratelimit.Rate(600, 60)),
        ("10/s", ratelimit.Rate(10, 1)),
        ("1000/5m", ratelimit.Rate(1000, 300)),
        ("50/hour", ratelimit.Rate(50, 3600)),
        ("off", None),
        ("", None),
        (None, None),
    ],
)
def test_rates_parse(text, rate):
    assert ratelimit.parse_rate(text) == rate


@pytest.mark.parametrize("text", ["fast", "10/fortnight", "x/min"])
def test_bad_rates_are_refused(text):
    with pytest.raises(ValueError, match="Bad rate"):
        ratelimit.parse_rate(text)
