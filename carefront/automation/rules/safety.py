"""What keeps rules from spamming customers: customer-facing actions never answer automatic
mail (RFC 3834 Auto-Submitted, bounces, list and bulk mail, the team's own addresses, no-reply
senders) and are rate-limited per recipient."""

import datetime as dt
import re

from django.conf import settings
from django.utils.translation import gettext as _

from carefront.conversations.models import Conversation, Direction, Message

# Local parts that never read replies: noreply@, no-reply@, do-not-reply@, mailer-daemon@, ...
NO_REPLY = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer[-_.]?daemon|postmaster|bounces?)"
    r"([-+_.].*)?@",
    re.IGNORECASE,
)
DEFAULT_LIMIT_PER_HOUR = 3


def automatic_messages_per_hour() -> int:
    return int(settings.CAREFRONT.get("RULES_AUTOMATIC_MESSAGES_PER_HOUR", DEFAULT_LIMIT_PER_HOUR))


def is_no_reply(address: str) -> bool:
    return bool(NO_REPLY.match((address or "").strip()))


def why_not_customer_facing(
    *, conversation: Conversation, message: Message | None, recipient: str
) -> str:
    """Empty when a rule may write to the customer about this change; else why not (shown in
    the trace). `message`: the customer's message behind the change, if any."""
    from carefront.sla.services.acknowledgements import team_addresses

    if conversation.is_bulk:
        return _("not sent: the conversation is list or bulk mail")
    if (
        message is not None
        and message.direction == Direction.INCOMING
        and message.is_auto_submitted
    ):
        return _("not sent: the message is automatic (Auto-Submitted, an auto-reply or a bounce)")
    if message is not None and is_no_reply(message.from_address):
        return _("not sent: the sender is a no-reply address")
    if not recipient:
        return _("not sent: the customer has no email address")
    if is_no_reply(recipient):
        return _("not sent: the customer's address is a no-reply address")
    if team_addresses([recipient]):
        return _("not sent: the address is the team's own (an inbox or an agent)")
    return ""


def rate_limited(*, conversation: Conversation, now: dt.datetime) -> str:
    """Empty unless the customer already got the hour's share of automatic messages (from
    rules, acknowledgements, anything marked automatic), counted from the messages table."""
    limit = automatic_messages_per_hour()
    sent = (
        Message.objects.filter(
            conversation__customer_id=conversation.customer_id,
            direction=Direction.OUTGOING,
            is_auto_submitted=True,
            created_at__gte=now - dt.timedelta(hours=1),
        )
        .values("pk")[: limit + 1]
        .count()
    )
    if sent >= limit:
        return _("not sent: the customer already got %(n)s automatic messages this hour") % {
            "n": sent
        }
    return ""
