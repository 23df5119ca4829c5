"""Background tasks of the sla app: the timers of SLA targets, the re-planning after a calendar
or policy change, follow-up promises coming due, and the acknowledgements. Thin: they call a
service."""

from django.tasks import task

from .services import targets
from .services.acknowledgements import acknowledgement_judge, acknowledgement_send
from .services.followups import followup_due


@task()
def sla_timer_task(target_id: int, version: int, which: str) -> str:
    """A target's at-risk or due moment (enqueued with `run_after` at that moment)."""
    return targets.sla_timer_fire(target_id=target_id, version=version, which=which)


@task()
def sla_calendar_recompute_task(
    snapshot: dict, inbox_ids: list[int], team_ids: list[int], after_id: int = 0
) -> int:
    """One batch of the running business-time targets a calendar edit moved; enqueues the next
    batch itself, so no task runs long. Returns the last target id done (0: none left)."""
    last = targets.sla_calendar_recompute(
        snapshot=snapshot, inbox_ids=inbox_ids, team_ids=team_ids, after_id=after_id
    )
    if last is None:
        return 0
    targets.calendar_recompute_enqueue(
        snapshot=snapshot, inbox_ids=inbox_ids, team_ids=team_ids, after_id=last
    )
    return last


@task()
def sla_reapply_task(after_id: int = 0) -> int:
    """Re-apply the policies to every open conversation, one batch per task run (after the
    policies changed). Returns the last conversation id done (0: none left)."""
    ids = targets.open_conversation_ids(after_id=after_id)
    if not ids:
        return 0
    targets.sla_conversations_reapply(conversation_ids=ids)
    sla_reapply_task.enqueue(ids[-1])
    return ids[-1]


@task()
def acknowledgement_send_task(conversation_id: int) -> bool:
    return acknowledgement_send(conversation_id=conversation_id) is not None


@task()
def acknowledgement_judge_task(acknowledgement_id: int) -> str:
    """Runs at the promised time (`run_after`): kept, missed or void."""
    return acknowledgement_judge(acknowledgement_id=acknowledgement_id)


@task()
def followup_due_task(follow_up_id: int) -> str:
    """A follow-up promise's timer, enqueued with `run_after` at its due time."""
    return followup_due(follow_up_id=follow_up_id)
