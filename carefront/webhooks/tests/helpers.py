"""Helpers for the webhook tests: an independent signature check, and the documented one."""

import hashlib
import hmac
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"


def independent_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Written from the spec in the brief, not from carefront.webhooks.signing."""
    return hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()


def parse_signature_header(header: str) -> tuple[str, str]:
    match = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", header)
    assert match, header
    return match.group(1), match.group(2)


def documented_verify():
    """The `verify` function from docs/webhooks.md, executed as a receiver would copy it."""
    text = DOCS.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    source = next(b for b in blocks if "def verify(" in b)
    namespace: dict = {}
    exec(compile(source, str(DOCS), "exec"), namespace)  # noqa: S102 - our own docs
    return namespace["verify"]
