"""The normalised form every channel adapter hands to `message_receive`."""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

MESSAGE_ID_MAX_LENGTH = 255
FINGERPRINT_LENGTH = 32  # hex digits: 128 bits of SHA-256
_TRAILING_BLANKS_RE = re.compile(r"[^\S\n]+(?=\n|\Z)")

# Senders that stand for nobody: no-reply addresses, and web forms / form services that send
# a visitor's message as themselves with the visitor in Reply-To (docs/email-parsing.md).
_RELAY_LOCAL_RE = re.compile(
    r"^(?:.*(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|no[-_.]?response)"
    r"|wordpress|forms?|web[-_.]?forms?|contact[-_.]?forms?|form[-_.]?mailer|formmail|"
    r"website|www|www-data|apache|nginx|nobody|mailer)"
    r"(?:[-+_.][^@]*)?$",
    re.IGNORECASE,
)
_RELAY_DOMAINS = frozenset(
    {
        "formspree.io",
        "jotform.com",
        "typeform.com",
        "wufoo.com",
        "cognitoforms.com",
        "formsubmit.co",
        "tally.so",
        "getform.io",
    }
)


def is_relay_address(address: str) -> bool:
    """Whether `address` only relays for someone else (noreply@, wordpress@, a form service)."""
    local, _at, domain = address.strip().lower().rpartition("@")
    if not local:
        return False
    return bool(_RELAY_LOCAL_RE.match(local)) or domain in _RELAY_DOMAINS


def normalize_message_id(value: str) -> str:
    """`<abc@host>` -> `abc@host`; overlong ids are cut so they stay indexable."""
    value = value.strip().strip("<>").strip()
    return value[:MESSAGE_ID_MAX_LENGTH]


@dataclass(slots=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    is_inline: bool = False


@dataclass(slots=True)
class InboundMessage:
    """A message from a customer, channel-independent. Text fields are already decoded; HTML is
    already sanitised by the adapter."""

    channel: str
    from_address: str
    from_name: str = ""
    # Reply-To: where the sender asks answers to go (a web form relays as noreply@ with the
    # customer here); see `customer_address`.
    reply_to: list[str] = field(default_factory=list)
    reply_to_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    # Envelope recipients a mail server recorded (Delivered-To, X-Original-To): used to pick the
    # inbox and find reply tokens when To/Cc name a list or alias.
    delivered_to: list[str] = field(default_factory=list)
    subject: str = ""
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    body_text: str = ""
    body_html: str = ""
    # The new part of the message (quoted thread and signature removed); body_text if unknown.
    reply_text: str | None = None
    sent_at: dt.datetime | None = None
    attachments: list[InboundAttachment] = field(default_factory=list)
    # Token found in a recipient address (+cf-TOKEN) or the subject ([cf:TOKEN]).
    reply_tokens: list[str] = field(default_factory=list)
    is_auto_submitted: bool = False
    # List or bulk mail (Precedence: bulk/list/junk, List-* headers): a person may have written
    # it, so it is shown, but nothing answers it automatically.
    is_bulk: bool = False
    is_bounce: bool = False
    # Message-IDs of our own messages that a bounce reports as undeliverable.
    bounced_message_ids: list[str] = field(default_factory=list)
    bounce_reason: str = ""
    parse_warning: str = ""
    # `message_fingerprint(self)` for email; empty: dedupe on the Message-ID alone (API input,
    # whose id is the caller's idempotency key).
    fingerprint: str = ""
    # The customer the adapter already knows the sender to be (a chat visitor, who may have no
    # address at all): no lookup by address, and reply tokens are checked against this one.
    customer_id: int | None = None

    def identity(self) -> tuple[str, str]:
        """The (address, name) that identifies the customer: the sender, unless the sender is
        missing or only relays (see `is_relay_address`) and Reply-To names someone: then the
        first Reply-To address. ("", name) when nobody can be identified."""
        if self.from_address and not is_relay_address(self.from_address):
            return self.from_address, self.from_name
        for address in self.reply_to:
            if address.lower() != self.from_address.lower() and not is_relay_address(address):
                return address, self.reply_to_name or self.from_name
        return self.from_address, self.from_name

    @property
    def referenced_ids(self) -> list[str]:
        """Every id this message points at, nearest parent first, without duplicates."""
        seen: dict[str, None] = {}
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            mid = normalize_message_id(mid)
            if mid and mid != self.message_id:
                seen.setdefault(mid, None)
        return list(seen)


def message_fingerprint(inbound: InboundMessage) -> str:
    """A hash of what a message says, as parsed: sender, recipients, subject, date, the ids it
    answers, the bodies and the attachments' bytes.

    Transport headers (Received, Delivered-To, X-*) are not part of it, and the parsed values
    are already decoded, so the same message delivered again, by another route or re-encoded,
    has the same fingerprint; another message that reuses the Message-ID has another one.
    """
    digest = hashlib.sha256()
    parts = [
        inbound.from_address.lower(),
        ",".join(a.lower() for a in inbound.to),
        ",".join(a.lower() for a in inbound.cc),
        " ".join(inbound.subject.split()),
        inbound.sent_at.isoformat() if inbound.sent_at else "",
        " ".join(inbound.in_reply_to),
        " ".join(inbound.references),
    ]
    for part in parts:
        digest.update(part.encode("utf-8", "replace"))
        digest.update(b"\x00")
    # Line ends and trailing blanks differ between transports; the words do not. (A regex, not
    # a loop over lines: this runs for every message received.)
    for body in (inbound.body_text, inbound.body_html):
        text = _TRAILING_BLANKS_RE.sub("", body.replace("\r\n", "\n").strip())
        digest.update(text.encode("utf-8", "replace"))
        digest.update(b"\x00")
    for attachment in inbound.attachments:
        digest.update(hashlib.sha256(attachment.data).digest())
    return digest.hexdigest()[:FINGERPRINT_LENGTH]
