"""Agent availability: online / away / offline, and activity (docs/routing.md).

An agent sets their own status; Carefront sets "away" after `CAREFRONT_AWAY_AFTER_MINUTES` of
inactivity (one task per agent, scheduled at the moment it would come due, never a scan of all
agents) and "offline" at sign-out. Activity is written at most once a minute per agent.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts import events
from carefront.accounts.models import Agent, Availability
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput

logger = logging.getLogger(__name__)

# Activity closer together than this is not written again (one UPDATE a minute at most).
SEEN_THROTTLE = dt.timedelta(minutes=1)
DEFAULT_AWAY_AFTER_MINUTES = 10


def away_after() -> dt.timedelta | None:
    """Inactivity after which an online agent becomes away; None: never (setting 0)."""
    minutes = getattr(settings, "CAREFRONT_AWAY_AFTER_MINUTES", DEFAULT_AWAY_AFTER_MINUTES)
    return dt.timedelta(minutes=minutes) if minutes else None


def _clean_availability(value: str) -> str:
    if value not in Availability.values:
        raise InvalidInput(
            _("%(value)s is not a status: choose online, away or offline.") % {"value": value}
        )
    return value


@transaction.atomic
def agent_set_availability(
    *, agent: Agent, availability: str, automatic: bool = False, now: dt.datetime | None = None
) -> Agent:
    """Set an agent's status. Publishes AgentAvailabilityChanged (after commit) on a change."""
    availability = _clean_availability(availability)
    now = now or timezone.now()
    locked = Agent.objects.select_for_update().get(pk=agent.pk)
    old = locked.availability
    if old == availability and locked.away_is_automatic == automatic:
        return locked
    locked.availability = availability
    locked.away_is_automatic = automatic and availability == Availability.AWAY
    update = ["availability", "away_is_automatic"]
    if old != availability:
        locked.status_changed_at = now
        update.append("status_changed_at")
    if availability == Availability.ONLINE and not automatic:
        # Choosing "online" is activity: the inactivity timer starts from now.
        locked.last_active_at = now
        update.append("last_active_at")
        _schedule_away_check(locked)
    locked.save(update_fields=update)
    agent.availability = locked.availability
    agent.status_changed_at = locked.status_changed_at
    agent.away_is_automatic = locked.away_is_automatic
    agent.last_active_at = locked.last_active_at
    if old != availability:
        publish(
            events.AgentAvailabilityChanged(
                agent_id=agent.pk,
                old=old,
                new=availability,
                changed_at=now.isoformat(),
                automatic=automatic,
            )
        )
    return locked


def agent_seen(*, agent: Agent, now: dt.datetime | None = None) -> bool:
    """Activity in a page (the heartbeat). Written at most once a minute; brings an agent
    whom inactivity made away back online. Returns whether anything was written."""
    now = now or timezone.now()
    if agent.last_active_at is not None and now - agent.last_active_at < SEEN_THROTTLE:
        return False
    with transaction.atomic():
        # A conditional UPDATE: two tabs beating at once write once.
        cutoff = now - SEEN_THROTTLE
        written = (
            Agent.objects.filter(pk=agent.pk, is_active=True)
            .filter(Q(last_active_at__isnull=True) | Q(last_active_at__lte=cutoff))
            .update(last_active_at=now)
        )
        if not written:
            return False
        agent.last_active_at = now
        if agent.availability == Availability.AWAY and agent.away_is_automatic:
            agent_set_availability(agent=agent, availability=Availability.ONLINE, now=now)
        elif agent.availability == Availability.ONLINE:
            _schedule_away_check(agent)
    return True


def _schedule_away_check(agent: Agent) -> None:
    """One task at the moment this activity would make the agent away. A later activity
    schedules a later task; the earlier one then finds a newer `last_active_at` and does
    nothing."""
    from carefront.accounts.tasks import agent_away_check_task

    delay = away_after()
    if delay is None or agent.last_active_at is None:
        return
    if not agent_away_check_task.get_backend().supports_defer:
        return
    seen = agent.last_active_at
    transaction.on_commit(
        lambda: agent_away_check_task.using(run_after=seen + delay).enqueue(
            agent.pk, seen.isoformat()
        )
    )


def agent_away_check(*, agent_id: int, seen_at: str, now: dt.datetime | None = None) -> str:
    """The inactivity timer: away if still online and nothing was seen since `seen_at`."""
    now = now or timezone.now()
    delay = away_after()
    agent = Agent.objects.filter(pk=agent_id).first()
    if agent is None or delay is None:
        return "gone"
    if agent.availability != Availability.ONLINE:
        return "not online"
    if agent.last_active_at is None or agent.last_active_at.isoformat() != seen_at:
        return "active since"
    if now - agent.last_active_at < delay:
        return "not yet"
    agent_set_availability(agent=agent, availability=Availability.AWAY, automatic=True, now=now)
    return "away"


def agent_signed_out(*, agent: Agent) -> None:
    """Signing out makes an agent offline."""
    if agent.availability != Availability.OFFLINE:
        agent_set_availability(agent=agent, availability=Availability.OFFLINE, automatic=True)
