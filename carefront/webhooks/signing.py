"""Stripe-style signatures: `Carefront-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`.

The HMAC key is the subscription's secret (UTF-8), the message is `f"{t}.{raw body}"`. Signing the
timestamp with the body lets receivers refuse replays of an old request.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Carefront-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def compute_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(
    *, secret: str, body: bytes, timestamp: int | None = None, also: list[str] | None = None
) -> str:
    """`t=...,v1=...`; one more `v1=` for each secret in `also` (a rolled secret's predecessor)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signatures = [
        f"v1={compute_signature(secret=s, timestamp=timestamp, body=body)}"
        for s in [secret, *(also or [])]
    ]
    return ",".join([f"t={timestamp}", *signatures])


def verify_signature(
    *,
    secret: str,
    header: str,
    body: bytes,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does (also shown in docs/webhooks.md). True if `header` signs `body`."""
    timestamp = None
    candidates = []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = compute_signature(secret=secret, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
