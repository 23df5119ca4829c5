"""Notification emails, batched per agent: one digest lists every notification that came while
it waited (CAREFRONT["NOTIFICATION_EMAIL_DELAY_SECONDS"], 2 minutes by default).

At most once. A digest goes PENDING -> SENDING (claimed by one worker, committed) -> [SMTP
transaction begun, committed] -> SENT (the relay's 250, committed alone, with the notifications'
`emailed_at`). A task or flush that runs again finds it no longer pending and sends nothing.
It is retried only when nothing can have gone out: the relay was never spoken to, or it
answered with an error code. What remains possible: a worker killed (or a connection lost)
between handing the email to the relay and recording its answer leaves the digest FAILED and
unsent for good. The agent then misses that email, never gets it twice, and still has the
notifications under the bell.
"""

import datetime as dt
import functools
import logging
import smtplib
import time

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.core.workers import Liveness, current_worker_id

from ..models import DigestStatus, EmailDigest, Notification
from ..selectors import wants_email

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
# Claimed this long by a worker of which nothing else is known: it died.
STALE_SENDING_AFTER = dt.timedelta(minutes=10)
# With a queue that runs deferred tasks, due digests are tasks; the flush only takes those this
# late (their task was lost), so that it does not race them.
FLUSH_GRACE_WITH_QUEUE = dt.timedelta(minutes=2)
FLUSH_BATCH = 200
# Errors that carry the relay's answer: it refused, so nothing went out and a retry is safe.
DEFINITE_REFUSALS = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)


def email_delay() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CAREFRONT.get("NOTIFICATION_EMAIL_DELAY_SECONDS", 120))


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def digest_to_join(*, recipient: Agent, now: dt.datetime) -> EmailDigest:
    """The recipient's waiting digest, locked until the caller's transaction ends (so that its
    sender, which locks it too, sees the notification joining it); or a new one, whose task is
    enqueued once the caller commits. Call inside a transaction."""
    for _attempt in range(3):
        waiting = (
            EmailDigest.objects.select_for_update()
            .filter(recipient=recipient, status=DigestStatus.PENDING)
            .first()
        )
        if waiting is not None:
            return waiting
        send_after = now + email_delay()
        try:
            with transaction.atomic():
                digest = EmailDigest.objects.create(recipient=recipient, send_after=send_after)
        except IntegrityError:
            continue  # another process opened one at this moment: join that one
        transaction.on_commit(functools.partial(_enqueue, digest.pk, send_after, now=now))
        return digest
    raise RuntimeError(f"No waiting notification email could be found or made for {recipient.pk}")


def _enqueue(digest_id: int, when: dt.datetime, *, now: dt.datetime) -> None:
    from ..tasks import notification_digest_send_task

    try:
        if notification_digest_send_task.get_backend().supports_defer:
            notification_digest_send_task.using(run_after=when).enqueue(digest_id)
        elif when <= now:
            notification_digest_send_task.enqueue(digest_id)
        # Without deferred tasks (the immediate backend) the flush sends it when due.
    except Exception:
        # The row is saved: the flush sends it when due if the queue is out of reach.
        logger.exception("Could not enqueue notification email %s", digest_id)


def digest_send(*, digest_id: int, now: dt.datetime | None = None) -> str:
    """Email a due digest to its agent. Returns its status afterwards; running again (a task
    run twice, the flush) sends nothing more."""
    from carefront.conversations.services.actions import new_message_id

    now = now or timezone.now()
    with transaction.atomic():
        digest = EmailDigest.objects.select_for_update().filter(pk=digest_id).first()
        if digest is None:
            return "missing"
        if digest.status != DigestStatus.PENDING or digest.send_after > now:
            return digest.status
        recipient = Agent.objects.get(pk=digest.recipient_id)
        # Read in the app while the digest waited: the agent knows, no email about them.
        digest.notifications.filter(read_at__isnull=False, emailed_at__isnull=True).update(
            digest=None
        )
        notifications = list(
            digest.notifications.filter(emailed_at__isnull=True)
            .select_related("conversation")
            .order_by("id")
        )
        reason = ""
        if not wants_email(agent=recipient):
            reason = _("The agent turned notification emails off (or was deactivated).")
        elif not notifications:
            reason = _("Nothing left to tell: every notification was read in the app.")
        if reason:
            digest.status = DigestStatus.CANCELLED
            digest.last_error = reason
            digest.save(update_fields=["status", "last_error", "updated_at"])
            return digest.status
        digest.status = DigestStatus.SENDING
        digest.attempts += 1
        digest.send_after = now  # doubles as "sending since" for recovery
        digest.sending_by = current_worker_id()
        digest.transmit_started_at = None
        digest.message_id = digest.message_id or new_message_id()
        digest.save(
            update_fields=[
                "status",
                "attempts",
                "send_after",
                "sending_by",
                "transmit_started_at",
                "message_id",
                "updated_at",
            ]
        )
    from carefront.inboxes.email.outbound import PermanentDeliveryError, send_built_email

    from ..emails import build_digest_email

    try:
        email = build_digest_email(digest=digest, recipient=recipient, notifications=notifications)
        send_built_email(
            email,
            before_transmit=lambda: _mark_transmit_started(digest.pk),
            on_accepted=lambda: _mark_accepted(digest.pk),
        )
    except Exception as exc:
        if EmailDigest.objects.filter(pk=digest.pk, status=DigestStatus.SENT).exists():
            logger.exception("After notification email %s was handed to the relay", digest.pk)
            return DigestStatus.SENT
        transmitted = EmailDigest.objects.filter(
            pk=digest.pk, transmit_started_at__isnull=False
        ).exists()
        return _record_failure(
            digest=digest,
            error=f"{type(exc).__name__}: {exc}",
            permanent=isinstance(exc, PermanentDeliveryError),
            # The relay had it and gave no answer: it may have gone out. Never twice.
            uncertain=transmitted and not isinstance(exc, DEFINITE_REFUSALS),
            now=now,
        )
    return DigestStatus.SENT


def _mark_transmit_started(digest_id: int) -> None:
    EmailDigest.objects.filter(pk=digest_id).update(transmit_started_at=timezone.now())


def _mark_accepted(digest_id: int) -> None:
    """The relay took it: recorded at once, alone, before the connection is even closed."""
    for attempt in range(3):
        try:
            sent_at = timezone.now()
            with transaction.atomic():
                EmailDigest.objects.filter(pk=digest_id, status=DigestStatus.SENDING).update(
                    status=DigestStatus.SENT, sent_at=sent_at, last_error="", updated_at=sent_at
                )
                Notification.objects.filter(digest_id=digest_id, emailed_at__isnull=True).update(
                    emailed_at=sent_at
                )
            return
        except OperationalError:
            # A locked database must not turn a sent email into a retry (a duplicate).
            if attempt == 2:
                raise
            time.sleep(0.5)


def _max_attempts() -> int:
    return settings.CAREFRONT["OUTBOX_MAX_ATTEMPTS"]


def _record_failure(
    *, digest: EmailDigest, error: str, permanent: bool, uncertain: bool, now: dt.datetime
) -> str:
    logger.warning(
        "Notification email %s not sent (attempt %s): %s", digest.pk, digest.attempts, error
    )
    if permanent or uncertain or digest.attempts >= _max_attempts():
        if uncertain:
            error = _(
                "The connection ended while the mail server had this email; it is not sent "
                "again, so that nobody gets it twice. (%(error)s)"
            ) % {"error": error}
        EmailDigest.objects.filter(pk=digest.pk, status=DigestStatus.SENDING).update(
            status=DigestStatus.FAILED, last_error=error[:2000], updated_at=timezone.now()
        )
        return DigestStatus.FAILED
    return _put_back(digest_id=digest.pk, error=error, retry_at=now + backoff(digest.attempts))


def _put_back(*, digest_id: int, error: str, retry_at: dt.datetime) -> str:
    """Nothing went out: the digest waits again; or, if a newer one already waits for the same
    agent (one may wait at a time), its notifications join that one."""
    with transaction.atomic():
        digest = (
            EmailDigest.objects.select_for_update()
            .filter(pk=digest_id, status=DigestStatus.SENDING)
            .first()
        )
        if digest is None:
            return "changed"
        waiting = (
            EmailDigest.objects.select_for_update()
            .filter(recipient_id=digest.recipient_id, status=DigestStatus.PENDING)
            .first()
        )
        if waiting is not None:
            Notification.objects.filter(digest=digest, emailed_at__isnull=True).update(
                digest=waiting
            )
            digest.status = DigestStatus.CANCELLED
            digest.last_error = (
                _("%(error)s (its notifications were moved to the next email, #%(id)s)")
                % {"error": error, "id": waiting.pk}
            )[:2000]
            digest.save(update_fields=["status", "last_error", "updated_at"])
            return DigestStatus.CANCELLED
        digest.status = DigestStatus.PENDING
        digest.send_after = retry_at
        digest.sending_by = ""
        digest.transmit_started_at = None
        digest.last_error = error[:2000]
        digest.save(
            update_fields=[
                "status",
                "send_after",
                "sending_by",
                "transmit_started_at",
                "last_error",
                "updated_at",
            ]
        )
        transaction.on_commit(lambda: _enqueue(digest_id, retry_at, now=timezone.now()))
    return DigestStatus.PENDING


def digests_recover(*, now: dt.datetime | None = None) -> int:
    """Digests whose sending worker died: sent again if the relay was never spoken to; FAILED
    (never sent twice) if it was. Returns how many it changed. Runs when workers start, every
    minute in them (core.workers) and in the flush."""
    now = now or timezone.now()
    held = list(
        EmailDigest.objects.filter(status=DigestStatus.SENDING)
        .order_by("pk")
        .values_list("pk", "sending_by", "send_after", "transmit_started_at")[:500]
    )
    if not held:
        return 0
    liveness = Liveness.of((row[1] for row in held), now=now)
    dead = [
        row
        for row in held
        if liveness.is_dead(row[1], claimed_at=row[2], fallback=STALE_SENDING_AFTER)
    ]
    changed = 0
    for digest_id, _by, _since, transmit_started_at in dead:
        if transmit_started_at is None:
            _put_back(
                digest_id=digest_id,
                error=_("The sender stopped before speaking to the mail server; sent again."),
                retry_at=now,
            )
        else:
            logger.warning(
                "Notification email %s was in flight when its worker died: not sent again",
                digest_id,
            )
            EmailDigest.objects.filter(pk=digest_id, status=DigestStatus.SENDING).update(
                status=DigestStatus.FAILED,
                last_error=_(
                    "The sender stopped while the mail server had this email; it is not sent "
                    "again, so that nobody gets it twice."
                ),
                updated_at=now,
            )
        changed += 1
    return changed


def notification_digests_flush(*, now: dt.datetime | None = None) -> int:
    """Send every due digest whose task was lost or never queued (the immediate backend has no
    deferred tasks); first recover those of dead workers. Safe to run any time."""
    from ..tasks import notification_digest_send_task

    now = now or timezone.now()
    digests_recover(now=now)
    cutoff = now
    if notification_digest_send_task.get_backend().supports_defer:
        cutoff = now - FLUSH_GRACE_WITH_QUEUE
    due = list(
        EmailDigest.objects.filter(status=DigestStatus.PENDING, send_after__lte=cutoff)
        .order_by("send_after")
        .values_list("pk", flat=True)[:FLUSH_BATCH]
    )
    for digest_id in due:
        digest_send(digest_id=digest_id, now=now)
    return len(due)
