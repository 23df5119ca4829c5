"""The anonymous pulse survey of agents, every two weeks.

Anonymity down to the database: an answer is stored with its round and team only (no agent,
no time, a random id), and a separate `PulseAnswered` row says that an agent answered, without
pointing to the answer. Storage order could still tell who answered when (matching the order
of the `PulseAnswered` rows against the order of the answers), so each new answer rewrites
its team's answers of the round in a random order under fresh random ids.
"""

import datetime as dt
import logging
import random
import uuid

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.notifications.models import NotificationKind
from carefront.notifications.services import notification_create

from ..models import PulseAnswer, PulseAnswered, PulseRound

ROUND_DAYS = 14
# Rounds start on Mondays, every two weeks from this one.
FIRST_ROUND = dt.date(2024, 1, 1)
MAX_COMMENT = 2000
_random = random.SystemRandom()
logger = logging.getLogger(__name__)


def round_start(day: dt.date) -> dt.date:
    return FIRST_ROUND + dt.timedelta(days=((day - FIRST_ROUND).days // ROUND_DAYS) * ROUND_DAYS)


def pulse_round_current(*, now: dt.datetime | None = None) -> PulseRound:
    """The round open now (made when first asked for)."""
    today = timezone.localdate(now or timezone.now(), timezone=dt.UTC)
    starts_on = round_start(today)
    pulse_round, _created = PulseRound.objects.get_or_create(
        starts_on=starts_on, defaults={"ends_on": starts_on + dt.timedelta(days=ROUND_DAYS)}
    )
    return pulse_round


def pulse_round_announce(*, now: dt.datetime | None = None) -> int:
    """Tell every active agent, once per round, that the pulse is open. Returns how many were
    told (0 once done)."""
    now = now or timezone.now()
    pulse_round = pulse_round_current(now=now)
    claimed = PulseRound.objects.filter(pk=pulse_round.pk, announced_at__isnull=True).update(
        announced_at=now
    )
    if not claimed:
        return 0
    transaction.on_commit(lambda: _schedule_next(pulse_round.ends_on))
    path = reverse("web:wellbeing")
    count = 0
    for agent in Agent.objects.filter(is_active=True).only("id", "is_active"):
        made = notification_create(
            recipient=agent,
            kind=NotificationKind.PULSE_OPEN,
            dedupe_key=f"pulse:{pulse_round.starts_on.isoformat()}",
            now=now,
            path=path,
        )
        count += made is not None
    return count


def _schedule_next(starts_on: dt.date) -> None:
    """Queue the announcement of the next round for its first minute (the workers' recovery
    hook announces it too, if the queue lost it)."""
    from ..people_tasks import pulse_round_announce_task

    when = dt.datetime.combine(starts_on, dt.time.min, tzinfo=dt.UTC)
    try:
        if pulse_round_announce_task.get_backend().supports_defer:
            pulse_round_announce_task.using(run_after=when).enqueue()
    except Exception:
        logger.exception("Could not queue the announcement of the pulse round of %s", starts_on)


def _score(value: object, low: int, high: int, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _("%(label)s: choose a value from %(low)s to %(high)s.")
            % {"label": label, "low": low, "high": high}
        )
    return value


def pulse_answer(
    *,
    actor: Agent,
    team_id: int | None,
    feeling: int,
    workload: int,
    support: int,
    enps: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Record the actor's answer to the open round, anonymously, once. Returns nothing: not
    even the caller gets a handle on the stored answer."""
    values = {
        "feeling": _score(feeling, 1, 5, _("How you feel")),
        "workload": _score(workload, 1, 5, _("Workload")),
        "support": _score(support, 1, 5, _("Support from your team")),
        "enps": _score(enps, 0, 10, _("Recommend working here")),
    }
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(_("The comment is too long (at most 2000 characters)."))
    team_ids = set(actor.teams.values_list("pk", flat=True))
    if team_id is None:
        if len(team_ids) > 1:
            raise InvalidInput(_("Choose the team you answer for."))
        team_id = next(iter(team_ids), None)
    elif team_id not in team_ids:
        raise NotFound(_("Team not found."))
    pulse_round = pulse_round_current(now=now)
    with transaction.atomic():
        # One writer per round at a time: the rewrite below must see every answer.
        PulseRound.objects.select_for_update().filter(pk=pulse_round.pk).first()
        try:
            with transaction.atomic():
                PulseAnswered.objects.create(round=pulse_round, agent=actor)
        except IntegrityError as exc:
            raise InvalidInput(_("You have answered this round already. Thank you!")) from exc
        answers = list(
            PulseAnswer.objects.filter(round=pulse_round, team_id=team_id).values(
                "feeling", "workload", "support", "enps", "comment"
            )
        )
        answers.append({**values, "comment": comment})
        _random.shuffle(answers)
        PulseAnswer.objects.filter(round=pulse_round, team_id=team_id).delete()
        PulseAnswer.objects.bulk_create(
            [
                PulseAnswer(id=uuid.uuid4(), round=pulse_round, team_id=team_id, **answer)
                for answer in answers
            ]
        )


def pulse_has_answered(*, actor: Agent, now: dt.datetime | None = None) -> bool:
    pulse_round = pulse_round_current(now=now)
    return PulseAnswered.objects.filter(round=pulse_round, agent=actor).exists()
