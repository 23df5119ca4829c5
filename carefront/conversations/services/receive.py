"""`message_receive`: the one way a customer's message enters Carefront, whatever the channel."""

import hashlib
import logging
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from carefront.core.db import bulk_update_rows
from carefront.core.events import publish
from carefront.customers.models import Customer
from carefront.customers.services import (
    customers_by_email,
    customers_create_unknown_senders,
    customers_get_or_create_by_email,
    email_key,
)
from carefront.inboxes.models import HoldReason, Inbox, RawInbound

from .. import events
from ..inbound import InboundMessage, normalize_message_id
from ..live import live_event_plan, live_events_store, message_live_data
from ..models import (
    SUBJECT_MAX_LENGTH,
    Attachment,
    Conversation,
    ConversationEvent,
    DeliveryStatus,
    Direction,
    EventKind,
    Message,
    OutboxEntry,
    OutboxStatus,
    Status,
    ThreadKey,
)
from ..reply_tokens import conversation_subject
from .merge import conversation_merge

logger = logging.getLogger(__name__)

PREVIEW_LENGTH = 200


class Outcome(StrEnum):
    CREATED = "created"  # a new conversation
    THREADED = "threaded"  # added to an existing conversation
    DUPLICATE = "duplicate"  # already stored
    BOUNCE = "bounce"  # a delivery report about one of our messages
    REJECTED = "rejected"  # auto-reply or bounce that belongs to nothing: held


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    outcome: Outcome
    message: Message | None = None
    conversation: Conversation | None = None
    reason: str = ""
    # Why the raw input is held rather than shown (DUPLICATE and REJECTED outcomes).
    hold_reason: str = HoldReason.NONE


@dataclass(slots=True)
class ReceiveItem:
    """One message to receive, for `messages_receive`. `release`: an admin released it from
    held mail, so an auto-reply or bounce that belongs to nothing starts a conversation."""

    inbox: Inbox
    inbound: InboundMessage
    raw: RawInbound | None = None
    release: bool = False


@dataclass(frozen=True, slots=True)
class ReceiveReads:
    """What `messages_receive` must read before it writes: taken ahead by
    `messages_receive_reads`, outside the caller's write transaction, these reads no longer
    hold SQLite's write lock. Anything written meanwhile is caught by a unique constraint
    (a message id, an address) and `messages_receive` starts again with fresh reads."""

    stored: dict[str, set[str]]  # message id already stored -> the fingerprints stored with it
    customers: dict[str, Customer]  # by lower-cased address
    thread_keys: dict[str, int]  # Message-ID -> its conversation


def messages_receive_reads(*, items: list[ReceiveItem]) -> ReceiveReads:
    for item in items:
        item.inbound.message_id = normalize_message_id(item.inbound.message_id)
    items = [item for item in items if not _is_bounce(item)]
    ids = [item.inbound.message_id for item in items if item.inbound.message_id]
    keys = {key for item in items for key in _thread_keys(item.inbound)}
    return ReceiveReads(
        stored=_stored_fingerprints(ids),
        customers=customers_by_email(
            emails=list({email_key(_sender(item.inbound)) for item in items} - {""})
        )
        if items
        else {},
        thread_keys=dict(
            ThreadKey.objects.filter(message_id__in=keys).values_list(
                "message_id", "conversation_id"
            )
        )
        if keys
        else {},
    )


def _stored_fingerprints(ids: list[str]) -> dict[str, set[str]]:
    stored: dict[str, set[str]] = {}
    if not ids:
        return stored
    # The exclude() repeats the unique index's condition: without it SQLite cannot use that
    # partial index and scans every message.
    rows = (
        Message.objects.filter(message_id__in=ids)
        .exclude(message_id="")
        .values_list("message_id", "fingerprint")
    )
    for message_id, fingerprint in rows:
        stored.setdefault(message_id, set()).add(fingerprint)
    return stored


def is_stored(fingerprints: set[str], fingerprint: str) -> bool:
    """Whether a message with these stored fingerprints (under its Message-ID) is already kept.

    An empty fingerprint on either side (API input, whose id is an idempotency key; messages
    stored before fingerprints existed) matches any: the Message-ID alone decides.
    """
    if not fingerprints:
        return False
    return fingerprint in fingerprints or not fingerprint or "" in fingerprints


def message_stored(*, message_id: str, fingerprint: str) -> Message | None:
    """The stored message that this Message-ID and fingerprint are a copy of, if any."""
    if not message_id:
        return None
    candidates = list(
        Message.objects.filter(message_id=message_id).exclude(message_id="").order_by("pk")
    )
    for message in candidates:
        if is_stored({message.fingerprint}, fingerprint):
            return message
    return None


def message_receive(
    *, inbox: Inbox, inbound: InboundMessage, raw: RawInbound | None = None, release: bool = False
) -> ReceiveResult:
    """Store a customer's message: dedupe, find the customer, thread it, keep it."""
    item = ReceiveItem(inbox=inbox, inbound=inbound, raw=raw, release=release)
    return messages_receive(items=[item])[0]


def messages_receive(
    *, items: list[ReceiveItem], reads: ReceiveReads | None = None
) -> list[ReceiveResult]:
    """Store customers' messages, in order, as if received one by one, with set-based queries.

    Per message: dedupe on Message-ID and fingerprint, find or create the customer, then thread on
    Message-ID / In-Reply-To / References, else on a reply token (accepted only when the sender
    is the conversation's customer), else start a conversation. A message that links two
    conversations (a parent arriving after its replies) merges them. All of it commits
    together; results come back in the order of `items`. `reads` are those
    `messages_receive_reads` took for these items.
    """
    for item in items:
        item.inbound.message_id = normalize_message_id(item.inbound.message_id)
    results: list[ReceiveResult | None] = [None] * len(items)
    pending = []
    for index, item in enumerate(items):
        if _is_bounce(item):
            results[index] = _receive_bounce(item.inbound)
        else:
            pending.append(index)
    if pending:
        try:
            with transaction.atomic():
                for index, result in _Batch([items[i] for i in pending], reads).run():
                    results[pending[index]] = result
        except IntegrityError:
            if len(pending) == 1:
                # A concurrent delivery stored the same message first; everything this call
                # wrote is rolled back.
                inbound = items[pending[0]].inbound
                if is_stored(
                    _stored_fingerprints([inbound.message_id]).get(inbound.message_id, set()),
                    inbound.fingerprint,
                ):
                    results[pending[0]] = _duplicate()
                    return results  # type: ignore[return-value]
                raise
            # Something raced us inside the batch: fall back to one by one.
            for index in pending:
                results[index] = messages_receive(items=[items[index]])[0]
    return results  # type: ignore[return-value]


class _New:
    """A conversation this batch starts; hashable by identity until it has a primary key."""

    __slots__ = ("channel", "conversation", "creator")

    def __init__(self, conversation: Conversation, *, channel: str, creator: int) -> None:
        self.conversation = conversation
        self.channel = channel
        self.creator = creator  # index of the item that started it


type _Ref = int | _New  # a stored conversation's pk, or a new one


class _Batch:
    """The work of one `messages_receive` call: read what it needs in a few queries, decide in
    memory in arrival order, write in bulk."""

    def __init__(self, items: list[ReceiveItem], reads: ReceiveReads | None) -> None:
        self.items = items
        self.reads = reads
        self.results: list[tuple[int, ReceiveResult]] = []
        self.key_owner: dict[str, _Ref] = {}  # Message-ID -> its conversation
        self.new_keys: list[str] = []
        self.existing: dict[int, Conversation] = {}
        self.status_before: dict[int, str] = {}
        self.by_token: dict[str, Conversation] = {}
        self.merged_into: dict[_Ref, _Ref] = {}  # union-find for messages that link threads
        self.new_conversations: list[_New] = []
        self.placed: list[tuple[int, Message, _Ref, InboundMessage]] = []

    def run(self) -> list[tuple[int, ReceiveResult]]:
        reads = self.reads or messages_receive_reads(items=self.items)
        keep = self._drop_duplicates(reads.stored)
        identities = {i: self.items[i].inbound.identity() for i in keep}
        known_ids = {self.items[i].inbound.customer_id for i in keep} - {None}
        by_id = Customer.objects.in_bulk(list(known_ids)) if known_ids else {}
        customers = customers_get_or_create_by_email(
            senders=[
                identity
                for i, identity in identities.items()
                if identity[0] and self.items[i].inbound.customer_id is None
            ],
            known=reads.customers,
        )
        self._load_threads(keep, reads.thread_keys)
        for index in keep:
            item = self.items[index]
            address, name = identities[index]
            if item.inbound.customer_id is not None:
                customer = by_id.get(item.inbound.customer_id)
            else:
                customer = customers[email_key(address)] if address else None
            self._place(index, item, customer, name)
        self._write()
        return self.results

    def _drop_duplicates(self, stored_before: dict[str, set[str]]) -> list[int]:
        stored = {mid: set(fingerprints) for mid, fingerprints in stored_before.items()}
        keep = []
        for index, item in enumerate(self.items):
            message_id, fingerprint = item.inbound.message_id, item.inbound.fingerprint
            if is_stored(stored.get(message_id, set()), fingerprint):
                self.results.append((index, _duplicate()))
                continue
            if message_id:
                # A second copy later in this batch is a duplicate too.
                stored.setdefault(message_id, set()).add(fingerprint)
            keep.append(index)
        return keep

    def _load_threads(self, keep: list[int], thread_keys: dict[str, int]) -> None:
        keys = {key for index in keep for key in _thread_keys(self.items[index].inbound)}
        self.key_owner.update((key, thread_keys[key]) for key in keys if key in thread_keys)
        tokens = {t for i in keep for t in self.items[i].inbound.reply_tokens}
        self._lock_conversations(tokens)
        if not set(self.key_owner.values()) <= self.existing.keys():
            # A conversation read ahead was merged away meanwhile: its keys moved to another.
            # Read them again, now inside the transaction.
            self.key_owner = dict(
                ThreadKey.objects.filter(message_id__in=keys).values_list(
                    "message_id", "conversation_id"
                )
            )
            self._lock_conversations(tokens)

    def _lock_conversations(self, tokens: set[str]) -> None:
        linked_ids = set(self.key_owner.values())
        if not linked_ids and not tokens:
            return
        wanted = Q(pk__in=linked_ids) | Q(reply_token__in=tokens)
        for conversation in Conversation.objects.select_for_update().filter(wanted):
            self.existing[conversation.pk] = conversation
            self.by_token[conversation.reply_token] = conversation
        self.status_before = {pk: c.status for pk, c in self.existing.items()}

    def _find(self, ref: _Ref) -> _Ref:
        while ref in self.merged_into:
            ref = self.merged_into[ref]
        return ref

    def _place(self, index: int, item: ReceiveItem, customer: Customer | None, name: str) -> None:
        """`customer` None: the sender is unknown; a placeholder of its own is made if the
        message is kept (never for a rejected auto-reply)."""
        inbound = item.inbound
        keys = _thread_keys(inbound)
        linked = list(
            dict.fromkeys(self._find(self.key_owner[k]) for k in keys if k in self.key_owner)
        )
        target = (
            self._join(linked)
            if linked
            else (self._by_token(inbound, customer) if customer is not None else None)
        )
        if target is None and inbound.is_auto_submitted and not item.release:
            logger.info(
                "Auto-reply from %s does not belong to a conversation; held",
                inbound.from_address,
            )
            rejected = ReceiveResult(
                Outcome.REJECTED,
                reason="auto-reply without a conversation",
                hold_reason=HoldReason.AUTO_REPLY,
            )
            self.results.append((index, rejected))
            return
        if customer is None:
            # Each message without a usable sender gets its own placeholder, never a shared one
            # (rare: one small insert each).
            customer = customers_create_unknown_senders(names=[name])[0]
        if target is None:
            target = _New(
                _conversation_new(inbox=item.inbox, inbound=inbound, customer=customer),
                channel=inbound.channel,
                creator=index,
            )
            self.new_conversations.append(target)
        for key in keys:
            if key not in self.key_owner:
                self.key_owner[key] = target
                self.new_keys.append(key)
        message = _message_new(inbound=inbound, customer=customer, raw=item.raw)
        self.placed.append((index, message, target, inbound))

    def _join(self, linked: list[_Ref]) -> _Ref:
        """The conversation for a message that links one or more: stored ones win over new
        ones, the oldest first; the others fold into it."""
        stored = sorted(ref for ref in linked if isinstance(ref, int))
        target = stored[0] if stored else linked[0]
        for other in linked:
            if other is target:
                continue
            if isinstance(other, int):
                conversation_merge(source_id=other, target_id=target)
                self.existing[target] = Conversation.objects.select_for_update().get(pk=target)
                self.existing.pop(other, None)
            self.merged_into[other] = target
        return target

    def _by_token(self, inbound: InboundMessage, customer: Customer) -> _Ref | None:
        for token in inbound.reply_tokens:
            conversation = self.by_token.get(token)
            if conversation is None:
                continue
            if conversation.customer_id == customer.pk:
                return self._find(conversation.pk)
            logger.warning(
                "Reply token for conversation %s used by %s, who is not its customer; "
                "starting a new conversation instead",
                conversation.pk,
                inbound.from_address,
            )
        return None

    def _conversation(self, ref: _Ref) -> Conversation:
        ref = self._find(ref)
        return ref.conversation if isinstance(ref, _New) else self.existing[ref]

    def _write(self) -> None:
        # New conversations that a later message folded into another never reach the database.
        started = [new for new in self.new_conversations if new not in self.merged_into]
        rows = [
            (index, message, self._conversation(ref), inbound)
            for index, message, ref, inbound in self.placed
        ]
        # Summaries first, in memory, in the order the messages will get their ids: a new
        # conversation is then inserted complete, and only existing ones need an UPDATE.
        reopening: list[tuple[Conversation, Message]] = []
        for _position, (_index, message, conversation, inbound) in sorted(
            enumerate(rows), key=lambda item: (item[1][1].created_at, item[0])
        ):
            if _conversation_touch(conversation=conversation, message=message, inbound=inbound):
                reopening.append((conversation, message))
        # Live events (conversations/live.py) numbered in memory on the locked or new rows, and
        # stored with one INSERT: the per-event handlers would cost queries per message.
        live_created = [live_event_plan(new.conversation, kind="created") for new in started]
        live_messages = [
            live_event_plan(conversation, kind="message", public=True)
            for _, _, conversation, _ in rows
        ]
        Conversation.objects.bulk_create([new.conversation for new in started])
        for _index, message, conversation, _inbound in rows:
            message.conversation = conversation
        Message.objects.bulk_create([message for _, message, _, _ in rows])
        for event, (_index, message, _conversation, _inbound) in zip(
            live_messages, rows, strict=True
        ):
            author = message.from_name or (message.customer.name if message.customer else "")
            event.data = message_live_data(message, author=author)

        reopened_by: dict[int, int] = {}  # conversation pk -> the message that reopened it
        for conversation, message in reopening:
            reopened_by.setdefault(conversation.pk, message.pk)
        touched = {conversation.pk: conversation for _, _, conversation, _ in rows}
        new_pks = {new.conversation.pk for new in started}
        existing = [c for pk, c in touched.items() if pk not in new_pks]
        live_status = [
            live_event_plan(
                touched[pk], kind="status", data={"old": self.status_before[pk], "new": Status.OPEN}
            )
            for pk in reopened_by
            if pk not in new_pks
        ]
        if existing:
            bulk_update_rows(
                existing,
                [
                    "message_count",
                    "last_message_at",
                    "preview",
                    "status",
                    "snoozed_until",
                    "waiting_since",
                    "updated_at",
                    "live_seq",
                ],
            )
        _attachments_store(messages=[(message, inbound) for _, message, _, inbound in rows])
        ThreadKey.objects.bulk_create(
            [
                ThreadKey(message_id=key, conversation=self._conversation(self.key_owner[key]))
                for key in self.new_keys
            ],
            ignore_conflicts=True,
        )

        timeline = [
            ConversationEvent(
                conversation=new.conversation, kind=EventKind.CREATED, data={"channel": new.channel}
            )
            for new in started
        ]
        timeline += [
            ConversationEvent(
                conversation=touched[pk],
                kind=EventKind.STATUS_CHANGED,
                data={
                    "old": self.status_before[pk],
                    "new": Status.OPEN,
                    "reason": "customer replied",
                },
            )
            for pk in reopened_by
            if pk not in new_pks
        ]
        ConversationEvent.objects.bulk_create(timeline)
        live_events_store([*live_created, *live_messages, *live_status])

        creators = {new.creator for new in started}
        if started:
            publish(
                events.ConversationsCreated(
                    conversation_ids=tuple(new.conversation.pk for new in started)
                )
            )
        for new in started:
            publish(
                events.ConversationCreated(
                    conversation_id=new.conversation.pk, live_recorded=True, in_batch=True
                )
            )
        for index, message, conversation, _inbound in rows:
            reopened = reopened_by.get(conversation.pk) == message.pk
            publish(
                events.MessageReceived(
                    conversation_id=conversation.pk,
                    message_id=message.pk,
                    reopened=reopened,
                    live_recorded=True,
                )
            )
            outcome = Outcome.CREATED if index in creators else Outcome.THREADED
            self.results.append(
                (index, ReceiveResult(outcome, message=message, conversation=conversation))
            )


def _is_bounce(item: ReceiveItem) -> bool:
    # A released bounce is shown as a message like any other.
    return item.inbound.is_bounce and not item.release


def _duplicate() -> ReceiveResult:
    return ReceiveResult(
        Outcome.DUPLICATE, reason="message already stored", hold_reason=HoldReason.DUPLICATE
    )


def _sender(inbound: InboundMessage) -> str:
    """The address the customer is known by ("" when nobody can be identified)."""
    return inbound.identity()[0]


def _thread_keys(inbound: InboundMessage) -> list[str]:
    """The ids that tie a message to a thread: its own Message-ID and every id it references."""
    return [k for k in [inbound.message_id, *inbound.referenced_ids] if k]


def _conversation_new(*, inbox: Inbox, inbound: InboundMessage, customer: Customer) -> Conversation:
    subject = conversation_subject(inbound.subject)
    if len(subject) > SUBJECT_MAX_LENGTH:
        subject = subject[: SUBJECT_MAX_LENGTH - 1] + "…"
    return Conversation(
        inbox=inbox,
        customer=customer,
        subject=subject,
        status=Status.OPEN,
        last_message_at=_message_time(inbound),
        message_count=0,
        is_bulk=inbound.is_bulk,
    )


def _message_new(*, inbound: InboundMessage, customer: Customer, raw: RawInbound | None) -> Message:
    return Message(
        direction=Direction.INCOMING,
        channel=inbound.channel,
        customer=customer,
        from_name=inbound.from_name[:320],
        from_address=inbound.from_address[:320],
        to=inbound.to,
        cc=inbound.cc,
        reply_to=inbound.reply_to,
        subject=inbound.subject,
        message_id=inbound.message_id,
        fingerprint=inbound.fingerprint,
        in_reply_to=normalize_message_id(inbound.in_reply_to[0]) if inbound.in_reply_to else "",
        references=" ".join(inbound.references),
        body_text=inbound.body_text,
        body_html=inbound.body_html,
        reply_text=inbound.reply_text if inbound.reply_text is not None else inbound.body_text,
        is_auto_submitted=inbound.is_auto_submitted,
        parse_warning=inbound.parse_warning,
        raw=raw,
        sent_at=inbound.sent_at,
        created_at=_message_time(inbound),
    )


def _conversation_touch(
    *, conversation: Conversation, message: Message, inbound: InboundMessage
) -> bool:
    """Bring the conversation's summary fields up to date for one more customer message, in
    memory; returns whether the message reopened it. Rows are locked (select_for_update, or new
    in this transaction), so read-modify-write is safe."""
    conversation.message_count += 1
    conversation.updated_at = timezone.now()
    if message.created_at >= conversation.last_message_at or conversation.message_count == 1:
        conversation.last_message_at = max(conversation.last_message_at, message.created_at)
        conversation.preview = _preview(message)
    if inbound.is_auto_submitted:
        return False
    reopened = conversation.status != Status.OPEN
    conversation.status = Status.OPEN
    conversation.snoozed_until = None  # the customer wrote: a snooze ends at once
    if conversation.waiting_since is None or message.created_at < conversation.waiting_since:
        conversation.waiting_since = message.created_at
    return reopened


def _message_time(inbound: InboundMessage):
    now = timezone.now()
    if inbound.sent_at is not None and inbound.sent_at <= now:
        return inbound.sent_at
    return now


def _preview(message: Message) -> str:
    text = " ".join((message.reply_text or message.body_text).split())
    return text[:PREVIEW_LENGTH]


def _attachments_store(*, messages: list[tuple[Message, InboundMessage]]) -> None:
    """Write attachment files (content-addressed: one copy per distinct content) and rows."""
    limit = settings.CAREFRONT["MAX_ATTACHMENT_BYTES"]
    rows = []
    for message, inbound in messages:
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
        Message.objects.filter(message_id__in=ids, direction=Direction.OUTGOING)
        .exclude(message_id="")  # lets SQLite use the partial unique index
        .first()
        if ids
        else None
    )
    if message is None:
        logger.info("Bounce from %s matches none of our messages; held", inbound.from_address)
        return ReceiveResult(
            Outcome.REJECTED,
            reason="bounce for an unknown message",
            hold_reason=HoldReason.BOUNCE,
        )
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
