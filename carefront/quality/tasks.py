"""Background work of the quality app. Tasks are thin: they call a service."""

from django.tasks import task

from .services import coaching_remind, replies_recheck, reply_check


@task()
def reply_check_task(message_id: int) -> int:
    """Check one sent agent reply (off the request path); returns the marks stored."""
    return len(reply_check(message_id=message_id))


@task()
def replies_recheck_task() -> int:
    return replies_recheck()


@task()
def coaching_reminder_task(session_id: int) -> bool:
    return coaching_remind(session_id=session_id)
