"""Background work of the feedback app. Tasks are thin: they call a service."""

from django.tasks import task

from .services import nps_campaign_run_and_continue, recovery_mark_overdue, survey_send


@task()
def survey_send_task(survey_id: int) -> str:
    return survey_send(survey_id=survey_id)


@task()
def nps_campaign_run_task(campaign_id: int) -> None:
    nps_campaign_run_and_continue(campaign_id=campaign_id)


@task()
def recovery_overdue_task(task_id: int) -> bool:
    return recovery_mark_overdue(task_id=task_id)
