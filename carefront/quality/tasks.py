"""Background work of the quality app. Tasks are thin: they call a service."""

from django.tasks import task

from .services import coaching_remind


@task()
def coaching_reminder_task(session_id: int) -> bool:
    return coaching_remind(session_id=session_id)
