"""Background work of the chat: the email that confirms a visitor's address. Tasks are thin."""

from django.tasks import task

from .emails import chat_email_confirmation_send


@task()
def chat_email_confirmation_send_task(visitor_id: int, email: str) -> bool:
    return chat_email_confirmation_send(visitor_id=visitor_id, email=email)
