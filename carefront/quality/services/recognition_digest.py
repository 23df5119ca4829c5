"""The weekly recognition email to each team: what customers and colleagues said about its
members that week. One `RecognitionDigest` row per team and week makes it at most once.

A row goes PENDING -> SENDING (claimed, committed) -> [SMTP begun, committed] -> SENT. A task
that runs again finds it no longer pending. A worker that dies before speaking to the relay
leaves it to `recognition_digests_recover` (core.workers), which puts it back; one that dies
after leaves it FAILED, never sent twice. The same hook schedules the next week's emails, so
they survive restarts and a lost queue.
"""

import datetime as dt
import functools
import logging
from email.utils import format_datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Team
from carefront.core.workers import Liveness, current_worker_id

from ..models import DigestState, RecognitionDigest

logger = logging.getLogger(__name__)

SEND_HOUR = 8  # UTC, on the Monday after the week
STALE_SENDING_AFTER = dt.timedelta(minutes=10)
# A pending email this late had its task lost: the recovery hook sends it.
LOST_TASK_GRACE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _send_after(week: dt.date) -> dt.datetime:
    return dt.datetime.combine(week + dt.timedelta(days=7), dt.time(SEND_HOUR), tzinfo=dt.UTC)


def recognition_digests_schedule(*, now: dt.datetime | None = None) -> int:
    """Make sure every team has its email for the current week, due the Monday after. Returns
    how many were scheduled now (0 when all were)."""
    now = now or timezone.now()
    week = week_start(timezone.localdate(now, timezone=dt.UTC))
    team_ids = set(Team.objects.values_list("pk", flat=True))
    have = set(RecognitionDigest.objects.filter(week_start=week).values_list("team_id", flat=True))
    made = 0
    for team_id in sorted(team_ids - have):
        try:
            with transaction.atomic():
                digest = RecognitionDigest.objects.create(
                    team_id=team_id, week_start=week, send_after=_send_after(week)
                )
        except IntegrityError:
            continue  # another process made it at this moment
        transaction.on_commit(functools.partial(_enqueue, digest.pk, digest.send_after))
        made += 1
    return made


def _enqueue(digest_id: int, when: dt.datetime) -> None:
    from ..people_tasks import recognition_digest_send_task

    try:
        if recognition_digest_send_task.get_backend().supports_defer:
            recognition_digest_send_task.using(run_after=when).enqueue(digest_id)
    except Exception:
        logger.exception("Could not enqueue recognition email %s", digest_id)


def recognition_digest_send(*, digest_id: int, now: dt.datetime | None = None) -> str:
    """Send a due weekly email to the team's active members. Returns its state afterwards;
    running it again sends nothing more."""
    from carefront.quality.selectors_people import team_week_recognition

    now = now or timezone.now()
    with transaction.atomic():
        digest = (
            RecognitionDigest.objects.select_for_update()
            .select_related("team")
            .filter(pk=digest_id)
            .first()
        )
        if digest is None:
            return "missing"
        if digest.state != DigestState.PENDING or digest.send_after > now:
            return digest.state
        start = dt.datetime.combine(digest.week_start, dt.time.min, tzinfo=dt.UTC)
        entries = team_week_recognition(
            team=digest.team, start=start, end=start + dt.timedelta(days=7)
        )
        recipients = list(
            Agent.objects.filter(teams=digest.team, is_active=True)
            .order_by("pk")
            .values_list("email", flat=True)
        )
        if not entries or not recipients:
            digest.state = DigestState.SKIPPED
            digest.last_error = (
                _("No praise or kudos that week.") if not entries else _("The team has nobody.")
            )
            digest.save(update_fields=["state", "last_error"])
            return digest.state
        digest.state = DigestState.SENDING
        digest.attempts += 1
        digest.send_after = now  # doubles as "sending since" for recovery
        digest.sending_by = current_worker_id()
        digest.transmit_started_at = None
        digest.save(
            update_fields=["state", "attempts", "send_after", "sending_by", "transmit_started_at"]
        )
    from carefront.inboxes.email.outbound import PermanentDeliveryError, send_built_email

    try:
        email = _build_email(digest=digest, entries=entries, recipients=recipients)
        send_built_email(
            email,
            before_transmit=lambda: RecognitionDigest.objects.filter(pk=digest.pk).update(
                transmit_started_at=timezone.now()
            ),
            on_accepted=lambda: RecognitionDigest.objects.filter(
                pk=digest.pk, state=DigestState.SENDING
            ).update(state=DigestState.SENT, sent_at=timezone.now(), last_error=""),
        )
    except Exception as exc:
        current = RecognitionDigest.objects.get(pk=digest.pk)
        if current.state == DigestState.SENT:
            return DigestState.SENT
        error = f"{type(exc).__name__}: {exc}"[:2000]
        give_up = (
            isinstance(exc, PermanentDeliveryError)
            or current.transmit_started_at is not None
            or current.attempts >= MAX_ATTEMPTS
        )
        if give_up:
            RecognitionDigest.objects.filter(pk=digest.pk, state=DigestState.SENDING).update(
                state=DigestState.FAILED, last_error=error
            )
            return DigestState.FAILED
        retry_at = now + dt.timedelta(minutes=5 * current.attempts)
        RecognitionDigest.objects.filter(pk=digest.pk, state=DigestState.SENDING).update(
            state=DigestState.PENDING, send_after=retry_at, sending_by="", last_error=error
        )
        _enqueue(digest.pk, retry_at)
        return DigestState.PENDING
    return DigestState.SENT


def _build_email(
    *, digest: RecognitionDigest, entries: list, recipients: list[str]
) -> EmailMultiAlternatives:
    base = settings.CAREFRONT.get("BASE_URL", "")
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "team": digest.team,
            "week_start": digest.week_start,
            "entries": entries,
            "page_url": base + reverse("web:recognition", args=[digest.team_id]),
        }
        text = render_to_string("quality/email/recognition_digest.txt", context)
        subject = _("Carefront: this week's recognition for %(team)s") % {"team": digest.team.name}
    return EmailMultiAlternatives(
        subject=subject[:250],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={
            "Date": format_datetime(timezone.now()),
            "Auto-Submitted": "auto-generated",
        },
    )


def recognition_digests_recover(*, now: dt.datetime | None = None) -> int:
    """Registered with core.workers: emails whose sender died go back to pending (or FAILED
    if the relay may have them), due emails whose task was lost are sent, and next week's are
    scheduled. Returns how many it changed or sent."""
    now = now or timezone.now()
    changed = 0
    held = list(
        RecognitionDigest.objects.filter(state=DigestState.SENDING).values_list(
            "pk", "sending_by", "send_after", "transmit_started_at"
        )[:200]
    )
    if held:
        liveness = Liveness.of((row[1] for row in held), now=now)
        for pk, by, since, transmitted in held:
            if not liveness.is_dead(by, claimed_at=since, fallback=STALE_SENDING_AFTER):
                continue
            if transmitted is None:
                RecognitionDigest.objects.filter(pk=pk, state=DigestState.SENDING).update(
                    state=DigestState.PENDING, send_after=now, sending_by=""
                )
            else:
                RecognitionDigest.objects.filter(pk=pk, state=DigestState.SENDING).update(
                    state=DigestState.FAILED,
                    last_error=_(
                        "The sender stopped while the mail server had this email; it is not "
                        "sent again, so that nobody gets it twice."
                    ),
                )
            changed += 1
    from ..people_tasks import recognition_digest_send_task

    cutoff = now
    if recognition_digest_send_task.get_backend().supports_defer:
        cutoff = now - LOST_TASK_GRACE
    due = list(
        RecognitionDigest.objects.filter(state=DigestState.PENDING, send_after__lte=cutoff)
        .order_by("send_after")
        .values_list("pk", flat=True)[:100]
    )
    for pk in due:
        recognition_digest_send(digest_id=pk, now=now)
    changed += len(due)
    changed += recognition_digests_schedule(now=now)
    return changed


def people_recover(*, now: dt.datetime | None = None) -> int:
    """The one hook of training, recognition and wellbeing: weekly emails, and telling agents
    when a new pulse round opens."""
    from .pulse import pulse_round_announce

    now = now or timezone.now()
    return recognition_digests_recover(now=now) + (pulse_round_announce(now=now) > 0)
