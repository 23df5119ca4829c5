"""Background work of the feedback app. Tasks are thin: they call a service."""

from django.tasks import task

from .services import survey_send


@task()
def survey_send_task(survey_id: int) -> str:
    return survey_send(survey_id=survey_id)
