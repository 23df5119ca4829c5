"""Training items: a lead publishes one to teams, every member is told and acknowledges it,
and a reminder goes to those who have not, a day before it is due."""

import datetime as dt
import functools
import logging

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.notifications.models import NotificationKind
from carefront.notifications.services import notification_create

from ..access import require_lead, teams_led_by
from ..models import TrainingAssignment, TrainingItem

logger = logging.getLogger(__name__)

REMIND_BEFORE = dt.timedelta(days=1)
MAX_TITLE = 200
MAX_NOTES = 4000
MAX_URL = 1000


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise InvalidInput(_("Give the link to the article or page to read."))
    if len(url) > MAX_URL:
        raise InvalidInput(_("The link is too long."))
    if url.startswith("/") and not url.startswith("//"):
        return url  # a page of this Carefront, such as a knowledge-base article
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise InvalidInput(
            _("The link must be a web address (https://…) or a path on this site (/…).")
        ) from exc
    return url


def training_publish(
    *,
    actor: Agent,
    title: str,
    url: str,
    notes: str = "",
    due_at: dt.datetime,
    team_ids: list[int],
    now: dt.datetime | None = None,
) -> TrainingItem:
    """Publish a training item to teams the actor leads: each active member gets an
    assignment and a notification; a reminder is scheduled for a day before it is due."""
    require_lead(actor)
    now = now or timezone.now()
    title = (title or "").strip()
    notes = (notes or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(_("Give a title of at most 200 characters."))
    if len(notes) > MAX_NOTES:
        raise InvalidInput(_("The notes are too long (at most 4000 characters)."))
    url = _clean_url(url)
    if due_at is None or timezone.is_naive(due_at):
        raise InvalidInput(_("Give a due date."))
    if due_at <= now:
        raise InvalidInput(_("The due date must be in the future."))
    wanted = set(team_ids or [])
    if not wanted:
        raise InvalidInput(_("Choose at least one team."))
    teams = list(teams_led_by(actor=actor).filter(pk__in=wanted))
    if len(teams) != len(wanted):
        raise NotFound(_("Team not found."))
    with transaction.atomic():
        item = TrainingItem.objects.create(
            title=title, url=url, notes=notes, due_at=due_at, created_by=actor
        )
        item.teams.set(teams)
        member_ids = set(
            Agent.objects.filter(teams__in=teams, is_active=True).values_list("pk", flat=True)
        )
        TrainingAssignment.objects.bulk_create(
            [TrainingAssignment(item=item, agent_id=agent_id) for agent_id in sorted(member_ids)]
        )
        transaction.on_commit(functools.partial(_after_publish, item.pk, now))
    return item


def _after_publish(item_id: int, now: dt.datetime) -> None:
    item = TrainingItem.objects.filter(pk=item_id).first()
    if item is None:
        return
    _notify(item=item, kind=NotificationKind.TRAINING_ASSIGNED, now=now)
    from ..people_tasks import training_remind_task

    remind_at = max(item.due_at - REMIND_BEFORE, now)
    try:
        if training_remind_task.get_backend().supports_defer:
            training_remind_task.using(run_after=remind_at).enqueue(item.pk)
        # Without deferred tasks (tests, the immediate backend) `training_remind` is called
        # by whoever runs the clock.
    except Exception:
        logger.exception("Could not schedule the reminder of training item %s", item.pk)


def _notify(*, item: TrainingItem, kind: str, now: dt.datetime, only_open: bool = False) -> int:
    assignments = TrainingAssignment.objects.filter(item=item, agent__is_active=True)
    if only_open:
        assignments = assignments.filter(acknowledged_at__isnull=True)
    path = reverse("web:training")
    count = 0
    for assignment in assignments.select_related("agent"):
        made = notification_create(
            recipient=assignment.agent,
            kind=kind,
            dedupe_key=f"{kind}:{item.pk}",
            now=now,
            title=item.title[:100],
            due_at=item.due_at,
            path=path,
        )
        count += made is not None
    return count


def training_remind(*, item_id: int, now: dt.datetime | None = None) -> int:
    """Remind, once, everyone who has not acknowledged the item yet. Returns how many were
    reminded (0 when the task runs again)."""
    now = now or timezone.now()
    item = TrainingItem.objects.filter(pk=item_id).first()
    if item is None:
        return 0
    return _notify(item=item, kind=NotificationKind.TRAINING_DUE_SOON, now=now, only_open=True)


def training_acknowledge(
    *, actor: Agent, item_id: int, now: dt.datetime | None = None
) -> TrainingAssignment:
    """The actor has read or done the item. Acknowledging again changes nothing."""
    assignment = (
        TrainingAssignment.objects.select_related("item")
        .filter(item_id=item_id, agent=actor)
        .first()
    )
    if assignment is None:
        raise NotFound(_("Training item not found."))
    if assignment.acknowledged_at is None:
        assignment.acknowledged_at = now or timezone.now()
        assignment.save(update_fields=["acknowledged_at"])
    return assignment
