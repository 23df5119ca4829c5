"""Background tasks of the sla app. Tasks are thin: they call a service."""

from django.tasks import task

from .services.acknowledgements import acknowledgement_judge, acknowledgement_send


@task()
def acknowledgement_send_task(conversation_id: int) -> bool:
    return acknowledgement_send(conversation_id=conversation_id) is not None


@task()
def acknowledgement_judge_task(acknowledgement_id: int) -> str:
    """Runs at the promised time (`run_after`): kept, missed or void."""
    return acknowledgement_judge(acknowledgement_id=acknowledgement_id)
