"""Background work of the notifications app. Tasks are thin: they call a service."""

from django.tasks import task

from .services import digest_send


@task()
def notification_digest_send_task(digest_id: int) -> str:
    return digest_send(digest_id=digest_id)
