"""The normalised form every channel adapter hands to `message_receive`."""

import datetime as dt
from dataclasses import dataclass, field

MESSAGE_ID_MAX_LENGTH = 255


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
    is_bounce: bool = False
    # Message-IDs of our own messages that a bounce reports as undeliverable.
    bounced_message_ids: list[str] = field(default_factory=list)
    bounce_reason: str = ""
    parse_warning: str = ""

    @property
    def referenced_ids(self) -> list[str]:
        """Every id this message points at, nearest parent first, without duplicates."""
        seen: dict[str, None] = {}
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            mid = normalize_message_id(mid)
            if mid and mid != self.message_id:
                seen.setdefault(mid, None)
        return list(seen)
