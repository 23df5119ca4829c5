"""Acknowledgements: tell a new conversation's customer by when the team will reply, with a time
the team can keep, and measure whether it did.

The promise is the earliest of:
- the SLA due time: the matching policy's first-reply target, in its basis, from the
  conversation's arrival;
- what the team achieves: the 80th percentile of the inbox's first-reply times of the last 7
  days (business time of the inbox's calendar), scaled up when more conversations wait for a
  first reply now than usually do (at most 3x), counted from now in business time.
With neither (no policy, fewer than `MIN_SAMPLES` recent replies) it is `DEFAULT_REPLY` of
business time. It is rounded up to the quarter hour. docs/admin-guide.md, "Acknowledgements".
"""

import datetime as dt
import logging
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, Min, OuterRef, Value, When
from django.utils import timezone

from carefront.accounts.models import Agent
from carefront.conversations.language import customer_language
from carefront.conversations.models import Conversation, Direction, Message, Status
from carefront.conversations.services import conversation_send_automatic
from carefront.conversations.services.actions import reply_recipients
from carefront.core.events import publish
from carefront.inboxes.models import Channel, Inbox, RawInbound
from carefront.sla.acknowledgement_text import acknowledgement_body
from carefront.sla.business_time import (
    NeverOpen,
    Schedule,
    add_business_time,
    business_time_between,
    is_open,
    next_open,
)
from carefront.sla.events import AcknowledgementSent
from carefront.sla.models import (
    Acknowledgement,
    AcknowledgementOutcome,
    EstimateSource,
    FirstReplyTime,
    TimeBasis,
)
from carefront.sla.selectors import calendar_directory
from carefront.sla.services.policies import sla_policy_match

logger = logging.getLogger(__name__)

HISTORY_DAYS = 7
PERCENTILE = 0.8
# Fewer recent first replies than this say too little: the policy (or the default) decides.
MIN_SAMPLES = 5
SAMPLE_LIMIT = 2000
DEFAULT_REPLY = dt.timedelta(hours=8)  # of business time: one working day
MAX_BACKLOG_FACTOR = 3.0
WAITING_COUNT_LIMIT = 1000
ROUND_TO_SECONDS = 15 * 60
# The team's recent figures, per inbox: read on every new conversation, so cached briefly.
STATS_CACHE_SECONDS = 120
# Mail older than this (an import, a relay that held it for days) gets no acknowledgement.
MAX_MESSAGE_AGE = dt.timedelta(days=1)
# With a queue that runs deferred tasks, promises are judged by their timer; the flush only
# takes those whose timer is this late (lost), so it does not race them.
FLUSH_GRACE_WITH_QUEUE = dt.timedelta(minutes=2)
FLUSH_BATCH = 500

RESOLVED = frozenset({Status.SOLVED, Status.CLOSED})
# RawInbound.source of `manage.py import_mail` (inboxes/email/mail_import.py): history, not news.
IMPORT_SOURCE = "import"


def _agent_replies(conversation_id: int | OuterRef):
    return Message.objects.filter(
        conversation_id=conversation_id, direction=Direction.OUTGOING, author__isnull=False
    )


# --- What the team achieves ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxReplyStats:
    """An inbox's recent first replies and its queue now. Seconds are business seconds."""

    samples: int
    percentile_seconds: int | None  # None: fewer than MIN_SAMPLES
    typical_waiting: float  # conversations waiting for a first reply, on average (open hours)
    waiting_now: int  # waiting for a first reply now (at most WAITING_COUNT_LIMIT)

    @property
    def backlog_factor(self) -> float:
        """How much longer than usual a new conversation waits because of the queue: the queue
        now (the new one included) over the usual queue (plus one), between 1 and 3."""
        ratio = self.waiting_now / (self.typical_waiting + 1)
        return min(max(ratio, 1.0), MAX_BACKLOG_FACTOR)


def percentile(values: list[int], fraction: float) -> int:
    """Nearest-rank percentile: the smallest value at or above `fraction` of the values."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def inbox_reply_stats(
    *, inbox_id: int, schedule: Schedule | None, now: dt.datetime
) -> InboxReplyStats:
    """Cached for `STATS_CACHE_SECONDS` per inbox; two bounded queries when cold."""
    key = f"sla-ack-stats:{inbox_id}"
    stats = cache.get(key)
    if stats is not None:
        return stats
    since = now - dt.timedelta(days=HISTORY_DAYS)
    seconds = list(
        FirstReplyTime.objects.filter(inbox_id=inbox_id, replied_at__gte=since)
        .order_by("-replied_at")
        .values_list("business_seconds", flat=True)[:SAMPLE_LIMIT]
    )
    open_seconds = (
        business_time_between(schedule, since, now)
        if schedule is not None
        else dt.timedelta(days=HISTORY_DAYS)
    ).total_seconds()
    # Little's law: the average queue is the arrival rate times the average wait; here the
    # total business time waited over the business time of the week.
    typical = sum(seconds) / open_seconds if open_seconds > 0 else 0.0
    waiting = (
        Conversation.objects.filter(
            inbox_id=inbox_id, status=Status.OPEN, waiting_since__isnull=False, is_bulk=False
        )
        .exclude(Exists(_agent_replies(OuterRef("pk"))))
        .values("pk")[:WAITING_COUNT_LIMIT]
    )
    stats = InboxReplyStats(
        samples=len(seconds),
        percentile_seconds=percentile(seconds, PERCENTILE) if len(seconds) >= MIN_SAMPLES else None,
        typical_waiting=typical,
        waiting_now=waiting.count(),
    )
    cache.set(key, stats, STATS_CACHE_SECONDS)
    return stats


def first_reply_measure(
    *, conversation_id: int, message_id: int, replied_at: dt.datetime
) -> FirstReplyTime | None:
    """How long the conversation waited for its first agent reply, `message_id` (unsaved, with
    `promise_pending`: an acknowledgement waits to be judged); None when that message is not
    the first agent reply or the conversation is list mail. One query (calendars: cached)."""
    conversation = (
        Conversation.objects.filter(pk=conversation_id)
        .annotate(
            replied_before=Exists(
                _agent_replies(OuterRef("pk")).exclude(pk=message_id).values("pk")
            ),
            promise_pending=Exists(
                Acknowledgement.objects.filter(
                    conversation_id=OuterRef("pk"), outcome=AcknowledgementOutcome.PENDING
                )
            ),
        )
        .only("inbox_id", "team_id", "created_at", "is_bulk")
        .first()
    )
    if conversation is None or conversation.replied_before or conversation.is_bulk:
        return None
    schedule = calendar_directory().schedule_for(
        inbox_id=conversation.inbox_id, team_id=conversation.team_id
    )
    arrived = conversation.created_at
    waited = (
        business_time_between(schedule, arrived, replied_at)
        if schedule is not None
        else max(replied_at - arrived, dt.timedelta(0))
    )
    measured = FirstReplyTime(
        conversation_id=conversation_id,
        inbox_id=conversation.inbox_id,
        arrived_at=arrived,
        replied_at=replied_at,
        business_seconds=int(waited.total_seconds()),
    )
    measured.promise_pending = conversation.promise_pending
    return measured


def first_reply_record(
    *, conversation_id: int, message_id: int, replied_at: dt.datetime
) -> FirstReplyTime | None:
    """Measure and store the first reply time (see `first_reply_measure`), and judge the
    conversation's acknowledgement by it. Call it in the reply's transaction: the reply locked
    the conversation, so no other first reply races this one."""
    measured = first_reply_measure(
        conversation_id=conversation_id, message_id=message_id, replied_at=replied_at
    )
    if measured is None:
        return None
    with transaction.atomic():
        measured.save(force_insert=True)
        if measured.promise_pending:
            acknowledgement_reply_written(conversation_id=conversation_id, replied_at=replied_at)
    return measured


# --- The estimate ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Estimate:
    promised_at: dt.datetime
    source: str  # EstimateSource
    sla_due_at: dt.datetime | None
    history_due_at: dt.datetime | None
    backlog_factor: float
    opens_at: dt.datetime | None  # the team is away now and back then
    calendar_zone: str  # "" without a calendar


def round_up(at: dt.datetime) -> dt.datetime:
    """Up to the next quarter hour. Done on UTC instants: every time zone's offset is a whole
    number of quarter hours, so this is the local quarter hour too."""
    stamp = at.timestamp()
    return dt.datetime.fromtimestamp(math.ceil(stamp / ROUND_TO_SECONDS) * ROUND_TO_SECONDS, dt.UTC)


def _add(schedule: Schedule | None, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    return add_business_time(schedule, start, duration) if schedule else start + duration


def acknowledgement_estimate(*, conversation: Conversation, now: dt.datetime) -> Estimate:
    """The time to promise for a new conversation (see the module docstring). Raises
    `NeverOpen` when the inbox's calendar never opens."""
    schedule = calendar_directory().schedule_for(
        inbox_id=conversation.inbox_id, team_id=conversation.team_id
    )
    sla_due = None
    policy = sla_policy_match(conversation=conversation)
    if policy is not None and policy.first_reply_minutes is not None:
        target = dt.timedelta(minutes=policy.first_reply_minutes)
        if policy.first_reply_basis == TimeBasis.CALENDAR:
            sla_due = conversation.created_at + target
        else:
            sla_due = _add(schedule, conversation.created_at, target)
        if sla_due <= now:  # a late start (the task ran late): no promise in the past
            sla_due = None
    stats = inbox_reply_stats(inbox_id=conversation.inbox_id, schedule=schedule, now=now)
    history_due = None
    factor = 1.0
    if stats.percentile_seconds is not None:
        factor = stats.backlog_factor
        history_due = _add(schedule, now, dt.timedelta(seconds=stats.percentile_seconds * factor))
    candidates = [
        (due, source)
        for due, source in ((sla_due, EstimateSource.SLA), (history_due, EstimateSource.HISTORY))
        if due is not None
    ]
    if candidates:
        due, source = min(candidates, key=lambda pair: pair[0])
    else:
        due, source = _add(schedule, now, DEFAULT_REPLY), EstimateSource.DEFAULT
    opens_at = None
    if schedule is not None and not is_open(schedule, now):
        opens_at = next_open(schedule, now)
    return Estimate(
        promised_at=round_up(due),
        source=source,
        sla_due_at=sla_due,
        history_due_at=history_due,
        backlog_factor=factor,
        opens_at=opens_at,
        calendar_zone=schedule.time_zone if schedule is not None else "",
    )


# --- Sending ---------------------------------------------------------------------------------


def _bare(address: str) -> str:
    """support+cf-token@example.com -> support@example.com (lower case)."""
    local, _at, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def team_addresses(addresses: list[str]) -> set[str]:
    """Those of `addresses` that are the team's own: an inbox's or an agent's (plus-addressed
    variants included: support+cf-token@ is support@). Two indexed queries. Colleagues at the
    company's domain are internal requesters, not the team: they are acknowledged."""
    if not addresses:
        return set()
    forms = {a: {a.strip().lower(), _bare(a)} for a in addresses}
    every = set().union(*forms.values())
    own = set(Inbox.objects.filter(email_address__in=every).values_list("email_address", flat=True))
    own |= {
        e.lower() for e in Agent.objects.filter(email__in=every).values_list("email", flat=True)
    }
    return {a for a, variants in forms.items() if variants & own}


def _time_zone(customer_zone: str, calendar_zone: str) -> tuple[str, bool]:
    """The zone to state times in, and whether it is the customer's own."""
    if customer_zone:
        try:
            ZoneInfo(customer_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return customer_zone, True
    return calendar_zone or settings.TIME_ZONE, False


def _why_not(conversation: Conversation | None, first: Message | None, now: dt.datetime) -> str:
    """Empty when the conversation may be acknowledged; else why not (for the logs)."""
    if conversation is None:
        return "no such conversation"
    if not conversation.inbox.send_acknowledgement:
        return "the inbox does not send acknowledgements"
    if conversation.is_bulk:
        return "list or bulk mail"
    if first is None:
        return "no message from the customer"
    if first.is_auto_submitted:
        return "an auto-reply or a bounce"
    if first.created_at < now - MAX_MESSAGE_AGE:
        return "the message is too old (an import?)"
    if first.raw_id and RawInbound.objects.filter(pk=first.raw_id, source=IMPORT_SOURCE).exists():
        return "imported mail (manage.py import_mail)"
    if conversation.waiting_since is None or conversation.status != Status.OPEN:
        return "the customer is not waiting for us"
    return ""


def acknowledgement_send(
    *, conversation_id: int, now: dt.datetime | None = None
) -> Acknowledgement | None:
    """Acknowledge a new conversation, unless it must not be (see `_why_not`, the team's own
    addresses, an agent reply already written) or already was. Returns the new row."""
    now = now or timezone.now()
    conversation = (
        Conversation.objects.select_related("inbox", "customer").filter(pk=conversation_id).first()
    )
    first = (
        Message.objects.filter(conversation_id=conversation_id, direction=Direction.INCOMING)
        .order_by("created_at", "id")
        .first()
    )
    reason = _why_not(conversation, first, now)
    if not reason and Acknowledgement.objects.filter(conversation_id=conversation_id).exists():
        reason = "already acknowledged"
    recipients: list[str] = []
    if not reason:
        inbox = conversation.inbox
        recipients = reply_recipients(
            customer=conversation.customer,
            last_incoming=first,
            own_address=inbox.email_address or "",
        )
        own = team_addresses(recipients)
        recipients = [r for r in recipients if r not in own]
        if own and not recipients:
            reason = "the sender is the team's own address"
        elif not recipients and inbox.channel == Channel.EMAIL:
            reason = "no address to write to"
    estimate = None
    if not reason:
        try:
            estimate = acknowledgement_estimate(conversation=conversation, now=now)
        except NeverOpen:
            reason = "the inbox's calendar never opens"
    if reason:
        logger.info("No acknowledgement for conversation %s: %s", conversation_id, reason)
        return None
    customer = conversation.customer
    language = customer_language(customer=customer, inbox=conversation.inbox)
    zone, zone_is_customers = _time_zone(customer.time_zone, estimate.calendar_zone)
    body = acknowledgement_body(
        language=language,
        time_zone=zone,
        zone_is_customers=zone_is_customers,
        now=now,
        promised_at=estimate.promised_at,
        opens_at=estimate.opens_at,
        customer_name=customer.name,
        team_name=conversation.inbox.from_name or conversation.inbox.name,
    )
    try:
        with transaction.atomic():
            locked = (
                Conversation.objects.select_for_update()
                .filter(pk=conversation_id)
                .values_list("waiting_since", "status")
                .first()
            )
            # Checked again under the lock: an agent may have answered meanwhile.
            if locked is None or locked[0] is None or locked[1] != Status.OPEN:
                logger.info("No acknowledgement for %s: no longer waiting", conversation_id)
                return None
            if _agent_replies(conversation_id).exists():
                logger.info("No acknowledgement for %s: an agent replied", conversation_id)
                return None
            acknowledgement = Acknowledgement.objects.create(
                conversation_id=conversation_id,
                inbox_id=conversation.inbox_id,
                promised_at=estimate.promised_at,
                source=estimate.source,
                sla_due_at=estimate.sla_due_at,
                history_due_at=estimate.history_due_at,
                backlog_factor=estimate.backlog_factor,
                opens_at=estimate.opens_at,
                language=language,
                time_zone=zone,
                sent_at=now,
            )
            message = conversation_send_automatic(
                conversation=conversation, body=body, to=recipients
            )
            acknowledgement.message = message
            acknowledgement.save(update_fields=["message"])
            publish(
                AcknowledgementSent(
                    acknowledgement_id=acknowledgement.pk,
                    conversation_id=conversation_id,
                    message_id=message.pk,
                    promised_at=estimate.promised_at,
                )
            )
            pk, promised_at = acknowledgement.pk, acknowledgement.promised_at
            transaction.on_commit(lambda: _schedule_judge(pk, promised_at, now=now))
    except IntegrityError:
        logger.info("Conversation %s was acknowledged by another worker", conversation_id)
        return None
    return acknowledgement


# --- Kept or not ------------------------------------------------------------------------------


def _schedule_judge(acknowledgement_id: int, when: dt.datetime, *, now: dt.datetime) -> None:
    from carefront.sla.tasks import acknowledgement_judge_task

    try:
        if acknowledgement_judge_task.get_backend().supports_defer:
            acknowledgement_judge_task.using(run_after=when).enqueue(acknowledgement_id)
        # Without deferred tasks (the immediate backend) `acknowledgements_flush` judges it.
    except Exception:
        # The row is saved: the flush judges it when due if the queue is out of reach.
        logger.exception("Could not enqueue the judging of acknowledgement %s", acknowledgement_id)


def acknowledgement_reply_written(*, conversation_id: int, replied_at: dt.datetime) -> int:
    """An agent replied: the conversation's promise, if one is pending, was kept when the reply
    came by the promised time, else missed. One UPDATE; returns how many rows changed (0, 1)."""
    return Acknowledgement.objects.filter(
        conversation_id=conversation_id, outcome=AcknowledgementOutcome.PENDING
    ).update(
        outcome=Case(
            When(promised_at__gte=replied_at, then=Value(AcknowledgementOutcome.KEPT)),
            default=Value(AcknowledgementOutcome.MISSED),
        ),
        first_reply_at=replied_at,
        judged_at=replied_at,
    )


def acknowledgement_judge(*, acknowledgement_id: int, now: dt.datetime | None = None) -> str:
    """The promised time has come: kept if an agent replied by then, void if the conversation
    was resolved without a reply, else missed. Returns the outcome (unchanged if judged)."""
    now = now or timezone.now()
    acknowledgement = Acknowledgement.objects.filter(pk=acknowledgement_id).first()
    if acknowledgement is None:
        return "missing"
    if acknowledgement.outcome or acknowledgement.promised_at > now:
        return acknowledgement.outcome
    first_reply = _agent_replies(acknowledgement.conversation_id).aggregate(at=Min("created_at"))[
        "at"
    ]
    if first_reply is not None:
        outcome = (
            AcknowledgementOutcome.KEPT
            if first_reply <= acknowledgement.promised_at
            else AcknowledgementOutcome.MISSED
        )
    elif Conversation.objects.filter(
        pk=acknowledgement.conversation_id, status__in=RESOLVED
    ).exists():
        outcome = AcknowledgementOutcome.VOID
    else:
        outcome = AcknowledgementOutcome.MISSED
    # Conditional: a reply judged at the same moment wins, nothing is judged twice.
    Acknowledgement.objects.filter(pk=acknowledgement.pk, outcome="").update(
        outcome=outcome, first_reply_at=first_reply, judged_at=now
    )
    return Acknowledgement.objects.values_list("outcome", flat=True).get(pk=acknowledgement.pk)


def acknowledgements_flush(*, now: dt.datetime | None = None) -> int:
    """Judge the promises whose time has passed and whose timer was lost or never set (the
    immediate backend has none). Safe to run any time."""
    from carefront.sla.tasks import acknowledgement_judge_task

    now = now or timezone.now()
    cutoff = now
    if acknowledgement_judge_task.get_backend().supports_defer:
        cutoff = now - FLUSH_GRACE_WITH_QUEUE
    due = list(
        Acknowledgement.objects.filter(outcome="", promised_at__lte=cutoff)
        .order_by("promised_at")
        .values_list("pk", flat=True)[:FLUSH_BATCH]
    )
    for pk in due:
        acknowledgement_judge(acknowledgement_id=pk, now=now)
    return len(due)
