"""Background tasks of the sla app. Tasks are thin: they call a service."""

from django.tasks import task

from .services.followups import followup_due


@task()
def followup_due_task(follow_up_id: int) -> str:
    """A follow-up promise's timer, enqueued with `run_after` at its due time."""
    return followup_due(follow_up_id=follow_up_id)
