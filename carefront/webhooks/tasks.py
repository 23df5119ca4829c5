"""Background work of the webhooks app. Tasks are thin: they call a service."""

from django.tasks import task

from .services import webhook_deliver


@task()
def webhook_deliver_task(delivery_id: int) -> str:
    return webhook_deliver(delivery_id=delivery_id)
