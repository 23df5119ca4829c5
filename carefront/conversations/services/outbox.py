"""Delivering the outbox: at least once, never lost, retried with backoff, failures visible."""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import events
from ..models import DeliveryStatus, EventKind, Message, OutboxEntry, OutboxStatus

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
# A row left in "sending" this long means its worker died mid-send; it is sent again with the
# same Message-ID, which receiving servers and clients use to drop the duplicate.
STALE_SENDING_AFTER = dt.timedelta(minutes=10)


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def _send(message: Message) -> None:
    if message.channel == "email":
        from carefront.inboxes.email.outbound import send_email_message

        send_email_message(message)
    # Other channels (api) have nothing to transmit: the reply is read through the API.


def outbox_deliver(*, entry_id: int, now: dt.datetime | None = None) -> str:
    """Try to deliver one outbox entry. Returns its status afterwards."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = OutboxEntry.objects.select_for_update().filter(pk=entry_id).first()
        if entry is None:
            return "missing"
        if entry.status != OutboxStatus.PENDING or entry.next_attempt_at > now:
            return entry.status
        entry.status = OutboxStatus.SENDING
        entry.attempts += 1
        entry.next_attempt_at = now  # doubles as "sending since" for stale-send recovery
        entry.save(update_fields=["status", "attempts", "next_attempt_at"])
    message = Message.objects.select_related("conversation__inbox", "author").get(
        pk=entry.message_id
    )
    try:
        _send(message)
    except Exception as exc:
        from carefront.inboxes.email.outbound import PermanentDeliveryError

        return _record_failure(
            entry=entry,
            message=message,
            error=f"{type(exc).__name__}: {exc}",
            permanent=isinstance(exc, PermanentDeliveryError),
            now=now,
        )
    with transaction.atomic():
        OutboxEntry.objects.filter(pk=entry.pk).update(
            status=OutboxStatus.SENT, sent_at=timezone.now(), last_error=""
        )
        Message.objects.filter(pk=message.pk).update(
            delivery_status=DeliveryStatus.SENT, delivery_error=""
        )
    return OutboxStatus.SENT


def _record_failure(
    *, entry: OutboxEntry, message: Message, error: str, now: dt.datetime, permanent: bool = False
) -> str:
    max_attempts = settings.CAREFRONT["OUTBOX_MAX_ATTEMPTS"]
    logger.warning(
        "Delivery of message %s failed (attempt %s): %s", message.pk, entry.attempts, error
    )
    with transaction.atomic():
        if permanent or entry.attempts >= max_attempts:
            OutboxEntry.objects.filter(pk=entry.pk).update(
                status=OutboxStatus.FAILED, last_error=error
            )
            Message.objects.filter(pk=message.pk).update(
                delivery_status=DeliveryStatus.FAILED, delivery_error=error
            )
            events.record(
                conversation=message.conversation,
                kind=EventKind.DELIVERY_FAILED,
                message=message.pk,
                reason=error[:500],
            )
            return OutboxStatus.FAILED
        next_attempt_at = now + backoff(entry.attempts)
        OutboxEntry.objects.filter(pk=entry.pk).update(
            status=OutboxStatus.PENDING, last_error=error, next_attempt_at=next_attempt_at
        )
        Message.objects.filter(pk=message.pk).update(
            delivery_status=DeliveryStatus.RETRYING, delivery_error=error
        )
        transaction.on_commit(lambda: _schedule(entry.pk, next_attempt_at))
    return OutboxStatus.PENDING


def _schedule(entry_id: int, when: dt.datetime) -> None:
    from ..tasks import outbox_deliver_task

    if outbox_deliver_task.get_backend().supports_defer:
        outbox_deliver_task.using(run_after=when).enqueue(entry_id)
    # Without deferred tasks (tests, immediate backend) `outbox_flush` picks it up when due.


def outbox_flush(*, now: dt.datetime | None = None) -> int:
    """Hand every due entry to a task; revive entries whose sender died. Safe to run any time."""
    now = now or timezone.now()
    OutboxEntry.objects.filter(
        status=OutboxStatus.SENDING, next_attempt_at__lte=now - STALE_SENDING_AFTER
    ).update(status=OutboxStatus.PENDING)
    due = list(
        OutboxEntry.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for entry_id in due:
        outbox_deliver(entry_id=entry_id, now=now)
    return len(due)
