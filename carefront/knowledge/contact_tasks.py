"""Background work of the contact form and the portal: their emails (the address
confirmation, the sign-in link), sent by a task after the commit. Tasks are thin."""

from django.tasks import task

from .emails import contact_confirmation_send, portal_link_send


@task()
def contact_confirmation_send_task(submission_id: int, token: str) -> bool:
    return contact_confirmation_send(submission_id=submission_id, token=token)


@task()
def portal_link_send_task(sign_in_id: int, token: str) -> bool:
    return portal_link_send(sign_in_id=sign_in_id, token=token)
