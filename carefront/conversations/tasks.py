"""Background work of the conversations app. Tasks are thin: they call a service."""

from django.tasks import task

from .services.outbox import outbox_deliver


@task()
def outbox_deliver_task(entry_id: int) -> str:
    return outbox_deliver(entry_id=entry_id)
