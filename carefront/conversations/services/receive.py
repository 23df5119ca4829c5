"""`message_receive`: the one way a customer's message enters Carefront, whatever the channel."""

import hashlib
import logging
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from carefront.core.events import publish
from carefront.customers.models import Customer
from carefront.customers.services import customer_get_or_create_by_email
from carefront.inboxes.models import Inbox, RawInbound

from .. import events
from ..inbound import InboundMessage, normalize_message_id
from ..models import (
    SUBJECT_MAX_LENGTH,
    Attachment,
    Conversation,
    DeliveryStatus,
    Direction,
    EventKind,
    Message,
    OutboxEntry,
    OutboxStatus,
    Status,
    ThreadKey,
)
from ..reply_tokens import strip_subject_token
from .merge import conversation_merge

logger = logging.getLogger(__name__)

PREVIEW_LENGTH = 200


class Outcome(StrEnum):
    CREATED = "created"  # a new conversation
    THREADED = "threaded"  # added to an existing conversation
    DUPLICATE = "duplicate"  # already stored
    BOUNCE = "bounce"  # a delivery report about one of our messages
    REJECTED = "rejected"  # auto-reply or bounce that belongs to nothing


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    outcome: Outcome
    message: Message | None = None
    conversation: Conversation | None = None
    reason: str = ""


def message_receive(
    *, inbox: Inbox, inbound: InboundMessage, raw: RawInbound | None = None
) -> ReceiveResult:
    """Store a customer's message: dedupe, find the customer, thread it, keep it.

    Threading order: Message-ID / In-Reply-To / References, then a reply token (accepted only
    when the sender is the conversation's customer). A message that links two conversations
    (a parent arriving after its replies) merges them.
    """
    inbound.message_id = normalize_message_id(inbound.message_id)
    if inbound.is_bounce:
        return _receive_bounce(inbound)
    try:
        with transaction.atomic():
            return _receive(inbox=inbox, inbound=inbound, raw=raw)
    except IntegrityError:
        # Duplicates are found by the unique Message-ID when the message row is inserted (no
        # extra lookup per message on the hot path); everything this call wrote is rolled back.
        if inbound.message_id and Message.objects.filter(message_id=inbound.message_id).exists():
            return ReceiveResult(Outcome.DUPLICATE, reason="message id already stored")
        raise


def _receive(*, inbox: Inbox, inbound: InboundMessage, raw: RawInbound | None) -> ReceiveResult:
    customer, _created = customer_get_or_create_by_email(
        email=inbound.from_address or "unknown@invalid", name=inbound.from_name
    )
    referenced = inbound.referenced_ids
    conversation = _thread(inbound=inbound, customer=customer, referenced=referenced)
    created = conversation is None
    if created:
        if inbound.is_auto_submitted:
            logger.info(
                "Auto-reply from %s does not belong to a conversation; not creating one",
                inbound.from_address,
            )
            return ReceiveResult(Outcome.REJECTED, reason="auto-reply without a conversation")
        conversation = _conversation_start(inbox=inbox, inbound=inbound, customer=customer)

    received_at = _message_time(inbound)
    message = Message.objects.create(
        conversation=conversation,
        direction=Direction.INCOMING,
        channel=inbound.channel,
        customer=customer,
        from_name=inbound.from_name[:320],
        from_address=inbound.from_address[:320],
        to=inbound.to,
        cc=inbound.cc,
        subject=inbound.subject,
        message_id=inbound.message_id,
        in_reply_to=normalize_message_id(inbound.in_reply_to[0]) if inbound.in_reply_to else "",
        references=" ".join(inbound.references),
        body_text=inbound.body_text,
        body_html=inbound.body_html,
        reply_text=inbound.reply_text if inbound.reply_text is not None else inbound.body_text,
        is_auto_submitted=inbound.is_auto_submitted,
        parse_warning=inbound.parse_warning,
        raw=raw,
        sent_at=inbound.sent_at,
        created_at=received_at,
    )
    _store_attachments(message=message, inbound=inbound)
    keys = [k for k in [inbound.message_id, *referenced] if k]
    if keys:
        ThreadKey.objects.bulk_create(
            [ThreadKey(message_id=k, conversation=conversation) for k in keys],
            ignore_conflicts=True,
        )
    reopened = _conversation_touch(conversation=conversation, message=message, inbound=inbound)

    if created:
        events.record(conversation=conversation, kind=EventKind.CREATED, channel=inbound.channel)
        publish(events.ConversationCreated(conversation_id=conversation.pk))
    publish(
        events.MessageReceived(
            conversation_id=conversation.pk, message_id=message.pk, reopened=reopened
        )
    )
    return ReceiveResult(
        Outcome.CREATED if created else Outcome.THREADED,
        message=message,
        conversation=conversation,
    )


def _thread(
    *, inbound: InboundMessage, customer: Customer, referenced: list[str]
) -> Conversation | None:
    lookup = [k for k in [inbound.message_id, *referenced] if k]
    linked = (
        list(
            Conversation.objects.select_for_update()
            .filter(
                pk__in=ThreadKey.objects.filter(message_id__in=lookup).values("conversation_id")
            )
            .order_by("pk")
        )
        if lookup
        else []
    )
    if len(linked) == 1:
        return linked[0]
    if linked:
        # The message links several conversations (e.g. their common parent arrived late):
        # they are one thread, so fold them into the oldest.
        target = linked[0]
        for other in linked[1:]:
            conversation_merge(source_id=other.pk, target_id=target.pk)
        return Conversation.objects.select_for_update().get(pk=target.pk)

    for token in inbound.reply_tokens:
        conversation = Conversation.objects.select_for_update().filter(reply_token=token).first()
        if conversation is None:
            continue
        if conversation.customer_id == customer.pk:
            return conversation
        logger.warning(
            "Reply token for conversation %s used by %s, who is not its customer; "
            "starting a new conversation instead",
            conversation.pk,
            inbound.from_address,
        )
    return None


def _conversation_start(
    *, inbox: Inbox, inbound: InboundMessage, customer: Customer
) -> Conversation:
    subject = strip_subject_token(inbound.subject)
    if len(subject) > SUBJECT_MAX_LENGTH:
        subject = subject[: SUBJECT_MAX_LENGTH - 1] + "…"
    return Conversation.objects.create(
        inbox=inbox,
        customer=customer,
        subject=subject,
        status=Status.OPEN,
        last_message_at=_message_time(inbound),
    )


def _conversation_touch(
    *, conversation: Conversation, message: Message, inbound: InboundMessage
) -> bool:
    """Bring the conversation's summary fields up to date; reopen it if the customer wrote.

    The row is locked (select_for_update, or created in this transaction), so plain
    read-modify-write is safe.
    """
    old_status = conversation.status
    conversation.message_count += 1
    if message.created_at >= conversation.last_message_at:
        conversation.last_message_at = message.created_at
        conversation.preview = _preview(message)
    reopened = False
    if not inbound.is_auto_submitted:
        if old_status != Status.OPEN:
            conversation.status = Status.OPEN
            reopened = True
        if conversation.waiting_since is None or message.created_at < conversation.waiting_since:
            conversation.waiting_since = message.created_at
    conversation.save(
        update_fields=[
            "message_count",
            "last_message_at",
            "preview",
            "status",
            "waiting_since",
            "updated_at",
        ]
    )
    if reopened:
        events.record(
            conversation=conversation,
            kind=EventKind.STATUS_CHANGED,
            old=old_status,
            new=Status.OPEN,
            reason="customer replied",
        )
    return reopened


def _message_time(inbound: InboundMessage):
    now = timezone.now()
    if inbound.sent_at is not None and inbound.sent_at <= now:
        return inbound.sent_at
    return now


def _preview(message: Message) -> str:
    text = " ".join((message.reply_text or message.body_text).split())
    return text[:PREVIEW_LENGTH]


def _store_attachments(*, message: Message, inbound: InboundMessage) -> None:
    limit = settings.CAREFRONT["MAX_ATTACHMENT_BYTES"]
    rows = []
    for item in inbound.attachments:
        if len(item.data) > limit:
            logger.warning(
                "Attachment %r of message %s is %s bytes, over the %s limit; kept in raw",
                item.filename,
                message.pk,
                len(item.data),
                limit,
            )
            message.parse_warning = (
                f"{message.parse_warning}\nAttachment {item.filename!r} is too large "
                f"({len(item.data)} bytes) and is only kept in the original message."
            ).strip()
            message.save(update_fields=["parse_warning"])
            continue
        digest = hashlib.sha256(item.data).hexdigest()
        attachment = Attachment(
            message=message,
            filename=(item.filename or "attachment")[:255],
            content_type=item.content_type[:255] or "application/octet-stream",
            size=len(item.data),
            sha256=digest,
            content_id=normalize_message_id(item.content_id),
            is_inline=item.is_inline,
        )
        name = f"attachments/{digest[:2]}/{digest}"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(item.data))
        attachment.file.name = name
        rows.append(attachment)
    if rows:
        Attachment.objects.bulk_create(rows)


def _receive_bounce(inbound: InboundMessage) -> ReceiveResult:
    """Mark our message as undeliverable; a bounce never becomes a conversation."""
    ids = [normalize_message_id(m) for m in [*inbound.bounced_message_ids, *inbound.referenced_ids]]
    ids = [m for m in ids if m]
    message = (
        Message.objects.filter(message_id__in=ids, direction=Direction.OUTGOING).first()
        if ids
        else None
    )
    if message is None:
        logger.info("Bounce from %s matches none of our messages; ignored", inbound.from_address)
        return ReceiveResult(Outcome.REJECTED, reason="bounce for an unknown message")
    with transaction.atomic():
        reason = inbound.bounce_reason or "The recipient's mail server rejected the message."
        Message.objects.filter(pk=message.pk).update(
            delivery_status=DeliveryStatus.FAILED, delivery_error=reason[:2000]
        )
        OutboxEntry.objects.filter(message=message).update(
            status=OutboxStatus.FAILED, last_error=reason[:2000]
        )
        events.record(
            conversation=message.conversation,
            kind=EventKind.DELIVERY_FAILED,
            message=message.pk,
            reason=reason[:500],
        )
    return ReceiveResult(Outcome.BOUNCE, message=message, conversation=message.conversation)
