"""Delivering the outbox: at least once, never lost, retried with backoff, failures visible.

An entry goes PENDING -> SENDING (claimed by one worker, committed) -> [transmit started,
committed] -> ACCEPTED (the relay's 250, committed alone, before anything else) -> SENT (the
message's status, committed after). Recovery sends again only what no relay accepted.
"""

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.core.workers import Liveness, current_worker_id

from .. import events
from ..models import DeliveryStatus, EventKind, Message, OutboxEntry, OutboxStatus

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
# A row in "sending" this long, by a worker of which nothing else is known (no heartbeat, not
# on this host), means its worker died mid-send; it is sent again with the same Message-ID.
STALE_SENDING_AFTER = dt.timedelta(minutes=10)


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def _mark_transmit_started(entry_id: int) -> None:
    OutboxEntry.objects.filter(pk=entry_id).update(transmit_started_at=timezone.now())


def _mark_accepted(entry_id: int) -> None:
    """The relay took it: the one fact that must be durable before anything else happens."""
    # Autocommit: one UPDATE is its own (shortest possible) transaction.
    # PENDING too: should recovery have wrongly taken it back meanwhile, it is sent all the same.
    entries = OutboxEntry.objects.filter(
        pk=entry_id, status__in=[OutboxStatus.SENDING, OutboxStatus.PENDING]
    )
    for attempt in range(3):
        try:
            entries.update(status=OutboxStatus.ACCEPTED, sent_at=timezone.now(), last_error="")
            return
        except OperationalError:
            # A locked database must not turn an accepted mail into a retry (a duplicate).
            if attempt == 2:
                raise
            time.sleep(0.5)


def _send(message: Message, entry_id: int) -> None:
    if message.channel == "email":
        from carefront.inboxes.email.outbound import send_email_message

        send_email_message(
            message,
            before_transmit=lambda: _mark_transmit_started(entry_id),
            on_accepted=lambda: _mark_accepted(entry_id),
        )
        return
    if message.channel == "chat":
        # Read in the chat; emailed when the visitor has left (docs/chat.md).
        from carefront.inboxes.chat.emails import chat_reply_deliver

        chat_reply_deliver(
            message,
            before_transmit=lambda: _mark_transmit_started(entry_id),
            on_accepted=lambda: _mark_accepted(entry_id),
        )
        return
    # Other channels (api) have nothing to transmit: the reply is read through the API.
    _mark_accepted(entry_id)


def _finish_sent(entry_ids: list[int]) -> int:
    """Accepted entries: show their messages as sent. Idempotent."""
    with transaction.atomic():
        entries = list(
            OutboxEntry.objects.select_for_update()
            .filter(pk__in=entry_ids, status=OutboxStatus.ACCEPTED)
            .values_list("pk", "message_id")
        )
        if not entries:
            return 0
        # A bounce may already have marked the message failed: that stays.
        Message.objects.filter(pk__in=[message_id for _pk, message_id in entries]).exclude(
            delivery_status=DeliveryStatus.FAILED
        ).update(delivery_status=DeliveryStatus.SENT, delivery_error="")
        OutboxEntry.objects.filter(pk__in=[pk for pk, _message_id in entries]).update(
            status=OutboxStatus.SENT
        )
    return len(entries)


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
        entry.sending_by = current_worker_id()
        entry.transmit_started_at = None
        entry.save(
            update_fields=[
                "status",
                "attempts",
                "next_attempt_at",
                "sending_by",
                "transmit_started_at",
            ]
        )
    message = Message.objects.select_related("conversation__inbox", "author").get(
        pk=entry.message_id
    )
    try:
        _send(message, entry.pk)
    except Exception as exc:
        if OutboxEntry.objects.filter(pk=entry.pk, status=OutboxStatus.ACCEPTED).exists():
            # Accepted, then something failed after: it is sent, whatever came next.
            logger.exception("After message %s was handed to the relay", message.pk)
        else:
            from carefront.inboxes.email.outbound import PermanentDeliveryError

            return _record_failure(
                entry=entry,
                message=message,
                error=f"{type(exc).__name__}: {exc}",
                permanent=isinstance(exc, PermanentDeliveryError),
                now=now,
            )
    _finish_sent([entry.pk])
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


def outbox_recover(*, now: dt.datetime | None = None) -> int:
    """Put back the sends of workers that died. Returns how many entries it changed.

    - accepted by the relay (ACCEPTED): never sent again; the message is shown as sent;
    - claimed, but the relay was never spoken to: due again at once (nothing went out);
    - in flight (the SMTP transaction had begun, no 250 recorded): due again at once too. The
      relay may have accepted it just before the worker died; sending again can then deliver
      it twice, with the same Message-ID, which mail clients fold. Losing it would be worse.
    """
    now = now or timezone.now()
    held = list(
        OutboxEntry.objects.filter(status__in=[OutboxStatus.SENDING, OutboxStatus.ACCEPTED])
        .order_by("pk")
        .values_list("pk", "status", "sending_by", "next_attempt_at", "transmit_started_at")[:500]
    )
    if not held:
        return 0
    liveness = Liveness.of((row[2] for row in held), now=now)
    dead = [
        row
        for row in held
        if liveness.is_dead(row[2], claimed_at=row[3], fallback=STALE_SENDING_AFTER)
    ]
    accepted = [pk for pk, status, *_rest in dead if status == OutboxStatus.ACCEPTED]
    changed = _finish_sent(accepted) if accepted else 0
    never_started = [
        pk for pk, status, _by, _at, started in dead if status == "sending" and not started
    ]
    in_flight = [pk for pk, status, _by, _at, started in dead if status == "sending" and started]
    if never_started:
        changed += OutboxEntry.objects.filter(
            pk__in=never_started, status=OutboxStatus.SENDING
        ).update(status=OutboxStatus.PENDING, next_attempt_at=now, sending_by="")
    if in_flight:
        logger.warning(
            "Sending again %s message(s) that were in flight when their worker died; "
            "a recipient may get one twice (same Message-ID)",
            len(in_flight),
        )
        changed += OutboxEntry.objects.filter(pk__in=in_flight, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.PENDING,
            next_attempt_at=now,
            sending_by="",
            last_error=_(
                "The sender stopped while the relay had this message; sent again (the "
                "recipient may receive it twice, with the same Message-ID)."
            ),
        )
    return changed


def outbox_flush(*, now: dt.datetime | None = None) -> int:
    """Send every due entry; first revive entries whose sender died. Safe to run any time."""
    now = now or timezone.now()
    outbox_recover(now=now)
    due = list(
        OutboxEntry.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for entry_id in due:
        outbox_deliver(entry_id=entry_id, now=now)
    return len(due)
