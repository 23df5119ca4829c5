"""Retraining the intent classifier: on demand, and every night (each run queues the next)."""

import datetime as dt
import logging

from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)

NIGHTLY_AT = dt.time(3, 0)  # UTC


def next_nightly_run(now: dt.datetime) -> dt.datetime:
    when = dt.datetime.combine(now.date(), NIGHTLY_AT, tzinfo=dt.UTC)
    return when if when > now else when + dt.timedelta(days=1)


@task()
def intent_model_train_task(actor_id: int | None = None, nightly: bool = False) -> int | None:
    """Returns the new model's id, or None when there were too few labelled conversations."""
    from carefront.accounts.models import Agent

    from .services import intent_model_train

    actor = Agent.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        model = intent_model_train(actor=actor)
    finally:
        if nightly:
            intent_model_schedule_nightly()
    return model.pk if model else None


def intent_model_schedule_nightly(*, now: dt.datetime | None = None) -> None:
    """Queue tonight's training (for backends that can run tasks later)."""
    when = next_nightly_run(now or timezone.now())
    try:
        if intent_model_train_task.get_backend().supports_defer:
            intent_model_train_task.using(run_after=when).enqueue(None, True)
    except Exception:
        logger.exception("Could not queue the nightly training of the intent model")


def intent_model_recover() -> int:
    """The workers' recovery hook: make sure tonight's training is queued (the chain breaks
    if a queue is lost or the first one was never queued). Returns 1 when it queued one."""
    try:
        backend = intent_model_train_task.get_backend()
        if not backend.supports_defer:
            return 0
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        path = f"{intent_model_train_task.module_path}"
        queued = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=path, run_after__gt=timezone.now()
        ).exists()
    except Exception:
        logger.exception("Could not check the nightly training of the intent model")
        return 0
    if queued:
        return 0
    intent_model_schedule_nightly()
    return 1
