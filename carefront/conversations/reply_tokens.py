"""How a conversation's reply token travels in addresses and subjects, both ways.

Address: `support+cf-<token>@example.com` (the Reply-To of our replies).
Subject: `... [cf:<token>]` (for clients that drop Reply-To).
"""

import re

ADDRESS_TOKEN_RE = re.compile(r"\+cf-([0-9a-f]{16})@", re.IGNORECASE)
SUBJECT_TOKEN_RE = re.compile(r"\[cf:([0-9a-f]{16})\]", re.IGNORECASE)


def reply_address(address: str, token: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local}+cf-{token}@{domain}"


def subject_with_token(subject: str, token: str) -> str:
    subject = SUBJECT_TOKEN_RE.sub("", subject).rstrip()
    return f"{subject} [cf:{token}]"


def strip_subject_token(subject: str) -> str:
    return SUBJECT_TOKEN_RE.sub("", subject).strip()


# Reply and forward prefixes in the languages customers write in: "Re:", "Fwd:", "AW:", "SV:"...
REPLY_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|rif|tr|enc|odp|res|r)\s*(?:\[\d+\])?\s*[:\uff1a]\s*)+",
    re.IGNORECASE,
)


def conversation_subject(subject: str) -> str:
    """A thread's subject as shown on the conversation: no token, no Re:/Fwd: prefixes."""
    return REPLY_PREFIX_RE.sub("", strip_subject_token(subject)).strip()


def find_tokens(*, addresses: list[str], subject: str) -> list[str]:
    tokens = [m.group(1).lower() for a in addresses for m in ADDRESS_TOKEN_RE.finditer(a + "")]
    tokens += [m.group(1).lower() for m in SUBJECT_TOKEN_RE.finditer(subject or "")]
    return list(dict.fromkeys(tokens))
