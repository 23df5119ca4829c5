"""Background work of the feedback app. Tasks are thin: they call a service."""

from django.tasks import task

from .services import survey_send, themes_assign_new


@task()
def survey_send_task(survey_id: int) -> str:
    return survey_send(survey_id=survey_id)


@task()
def feedback_themes_task() -> int:
    """Place the comments recorded since the last run in their themes."""
    return themes_assign_new()
