"""Scheduling and sending satisfaction surveys after a conversation is resolved.

A resolution (open or pending → solved or closed) schedules one survey, due after the inbox's
delay; a reopen cancels it; when due, it is sent only if the conversation is still resolved and
the customer may be asked (not opted out, not asked within the throttle window: contact.py).
Sending is at least once: a worker that dies mid-send leaves the survey to `surveys_flush`,
which sends it again with the same Message-ID and the same links.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from carefront.conversations.models import Conversation, EventKind, Status
from carefront.conversations.services import conversation_timeline_add
from carefront.conversations.services.actions import new_message_id
from carefront.customers.services import customer_lock_for_contact
from carefront.inboxes.models import Channel

from .. import tokens
from ..contact import why_not_ask
from ..models import Survey, SurveyStatus

logger = logging.getLogger(__name__)

RESOLVED = frozenset({Status.SOLVED, Status.CLOSED})
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
STALE_SENDING_AFTER = dt.timedelta(minutes=10)
# With a queue that runs deferred tasks, due surveys are tasks; the flush only picks up those
# this late (their task was lost), so it does not race them.
FLUSH_GRACE_WITH_QUEUE = dt.timedelta(minutes=2)
FLUSH_BATCH = 200


def rating_window() -> dt.timedelta:
    return dt.timedelta(days=settings.CAREFRONT.get("RATING_WINDOW_DAYS", 14))


def _max_attempts() -> int:
    return settings.CAREFRONT["OUTBOX_MAX_ATTEMPTS"]


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def _too_old(resolved_at: dt.datetime, now: dt.datetime) -> bool:
    """A survey asks about help the customer still remembers: never about a resolution older
    than the rating window (whose links would also be about to expire)."""
    return resolved_at < now - rating_window()


def _why_not_surveyed(conversation: Conversation) -> str:
    """Empty when the conversation may be surveyed now; otherwise the reason, for the logs."""
    inbox = conversation.inbox
    if conversation.status not in RESOLVED:
        return "not resolved"
    if inbox.channel != Channel.EMAIL or not inbox.ask_for_rating:
        return "the inbox does not ask for ratings"
    if not conversation.customer.email:
        return "the customer has no email address"
    if conversation.is_bulk:
        # List and bulk mail is never answered automatically: no survey, no
        # acknowledgement, no automation (docs/email-parsing.md, "Bulk and list mail").
        return "list or bulk mail"
    return ""


def survey_schedule(
    *,
    conversation_id: int,
    now: dt.datetime | None = None,
    resolved_at: dt.datetime | None = None,
) -> Survey | None:
    """Schedule the survey for a conversation that was resolved at `resolved_at` (default:
    now); None when none is due.

    At most one survey waits per conversation (a second resolution moves its due time). None
    is scheduled while the customer still holds working links from an earlier survey of the
    same conversation: they change that rating instead of getting a second email. None is
    scheduled for a resolution older than the rating window.
    """
    now = now or timezone.now()
    resolved_at = resolved_at or now
    if _too_old(resolved_at, now):
        logger.info("No survey for conversation %s: resolved too long ago", conversation_id)
        return None
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("inbox", "customer")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None or _why_not_surveyed(conversation):
            return None
        reason = why_not_ask(customer=conversation.customer, now=now)
        if reason:
            # Checked again when it is due; no survey waits for a customer who cannot get it.
            logger.info("No survey for conversation %s: %s", conversation_id, reason)
            return None
        surveys = Survey.objects.filter(conversation=conversation)
        send_after = resolved_at + dt.timedelta(minutes=conversation.inbox.rating_delay_minutes)
        waiting = surveys.filter(status=SurveyStatus.SCHEDULED).order_by("id").first()
        if waiting is not None:
            waiting.send_after = send_after
            waiting.resolved_at = resolved_at
            waiting.agent_id = conversation.assignee_id
            waiting.save(update_fields=["send_after", "resolved_at", "agent", "updated_at"])
            survey = waiting
        elif surveys.filter(status=SurveyStatus.SENT, expires_at__gt=now).exists():
            return None
        else:
            salt = tokens.new_salt()
            survey = Survey.objects.create(
                conversation=conversation,
                customer=conversation.customer,
                agent_id=conversation.assignee_id,
                send_after=send_after,
                resolved_at=resolved_at,
                token_salt=salt,
                token_hash=tokens.token_hash(tokens.survey_token(salt)),
            )
        survey_pk = survey.pk
        transaction.on_commit(lambda: _enqueue(survey_pk, send_after, now=now))
    return survey


def surveys_cancel(*, conversation_id: int) -> int:
    """The conversation was reopened: its waiting survey is not sent. Returns how many."""
    return Survey.objects.filter(
        conversation_id=conversation_id, status=SurveyStatus.SCHEDULED
    ).update(status=SurveyStatus.CANCELLED, updated_at=timezone.now())


def _enqueue(survey_id: int, when: dt.datetime, *, now: dt.datetime) -> None:
    from ..tasks import survey_send_task

    try:
        if when <= now:
            survey_send_task.enqueue(survey_id)
        elif survey_send_task.get_backend().supports_defer:
            survey_send_task.using(run_after=when).enqueue(survey_id)
        # Without deferred tasks (the immediate backend) `surveys_flush` sends it when due.
    except Exception:
        # The row is saved: the flush sends it when due if the queue is out of reach.
        logger.exception("Could not enqueue survey %s", survey_id)


def survey_send(*, survey_id: int, now: dt.datetime | None = None) -> str:
    """Email a due survey, unless the conversation was reopened. Returns its status after."""
    from carefront.inboxes.email.outbound import PermanentDeliveryError, send_built_email

    from ..emails import build_survey_email

    now = now or timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
        if survey is None:
            return "missing"
        if survey.status != SurveyStatus.SCHEDULED or survey.send_after > now:
            return survey.status
        conversation = Conversation.objects.select_related("inbox", "customer").get(
            pk=survey.conversation_id
        )
        reason = _why_not_surveyed(conversation)
        if not reason and _too_old(survey.resolved_at or survey.created_at, now):
            reason = "resolved longer ago than the rating window"
        if not reason:
            # Held until commit: an NPS invitation for the same customer waits for this one.
            customer = customer_lock_for_contact(customer_id=survey.customer_id)
            if customer is not None:
                reason = why_not_ask(customer=customer, now=now, survey_id=survey.pk)
        if reason:
            logger.info("Survey %s not sent: %s", survey.pk, reason)
            survey.status = SurveyStatus.CANCELLED
            survey.save(update_fields=["status", "updated_at"])
            return survey.status
        survey.status = SurveyStatus.SENDING
        survey.attempts += 1
        survey.send_after = now  # doubles as "sending since" for stale-send recovery
        survey.message_id = survey.message_id or new_message_id()
        survey.save(update_fields=["status", "attempts", "send_after", "message_id", "updated_at"])
    sent_at = None

    def accepted() -> None:
        # The relay's 250, recorded alone and before anything else (the connection's QUIT,
        # the timeline): a crash after this never sends the survey again.
        nonlocal sent_at
        sent_at = timezone.now()
        Survey.objects.filter(pk=survey.pk, status=SurveyStatus.SENDING).update(
            status=SurveyStatus.SENT,
            sent_at=sent_at,
            expires_at=sent_at + rating_window(),
            last_error="",
            updated_at=sent_at,
        )

    try:
        send_built_email(
            build_survey_email(survey=survey, conversation=conversation), on_accepted=accepted
        )
    except Exception as exc:
        if sent_at is None:
            return _record_failure(
                survey=survey,
                error=f"{type(exc).__name__}: {exc}",
                permanent=isinstance(exc, PermanentDeliveryError),
                now=now,
            )
        logger.exception("After survey %s was handed to the relay", survey.pk)
    conversation_timeline_add(
        conversation_id=survey.conversation_id,
        kind=EventKind.RATING_REQUESTED,
        survey=survey.pk,
        to=conversation.customer.email,
    )
    return SurveyStatus.SENT


def _record_failure(*, survey: Survey, error: str, permanent: bool, now: dt.datetime) -> str:
    logger.warning("Survey %s not sent (attempt %s): %s", survey.pk, survey.attempts, error)
    if permanent or survey.attempts >= _max_attempts():
        Survey.objects.filter(pk=survey.pk).update(
            status=SurveyStatus.FAILED, last_error=error, updated_at=timezone.now()
        )
        return SurveyStatus.FAILED
    retry_at = now + backoff(survey.attempts)
    with transaction.atomic():
        Survey.objects.filter(pk=survey.pk).update(
            status=SurveyStatus.SCHEDULED,
            send_after=retry_at,
            last_error=error,
            updated_at=timezone.now(),
        )
        transaction.on_commit(lambda: _enqueue(survey.pk, retry_at, now=now))
    return SurveyStatus.SCHEDULED


def surveys_flush(*, now: dt.datetime | None = None) -> int:
    """Send every due survey whose task was lost or never scheduled (the immediate backend has
    no deferred tasks); revive surveys whose sender died; continue NPS campaigns that stalled
    (`nps_flush`). Safe to run any time. Returns how many surveys it sent."""
    from ..tasks import survey_send_task

    now = now or timezone.now()
    Survey.objects.filter(
        status=SurveyStatus.SENDING, send_after__lte=now - STALE_SENDING_AFTER
    ).update(status=SurveyStatus.SCHEDULED)
    cutoff = now
    if survey_send_task.get_backend().supports_defer:
        cutoff = now - FLUSH_GRACE_WITH_QUEUE
    due = list(
        Survey.objects.filter(status=SurveyStatus.SCHEDULED, send_after__lte=cutoff)
        .order_by("send_after")
        .values_list("pk", flat=True)[:FLUSH_BATCH]
    )
    for survey_id in due:
        survey_send(survey_id=survey_id, now=now)
    # NPS campaigns ride along: every runtime that flushes surveys flushes them too.
    from .nps import nps_flush

    nps_flush(now=now)
    return len(due)
