"""Helpers for email transport tests: build RFC 5322 messages and find free loopback ports."""

import itertools
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

_counter = itertools.count(1)


def email_bytes(
    *,
    from_address: str = "ana@example.com",
    to: str = "support@carefront.test",
    subject: str | None = None,
    body: str = "Hello, I need help with my order.",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
) -> bytes:
    n = next(_counter)
    msg = EmailMessage()
    msg["From"] = from_address
    msg["To"] = to
    msg["Subject"] = subject or f"Help request {n}"
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id or make_msgid(f"t{n}", domain="example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    msg.set_content(body)
    return msg.as_bytes()
