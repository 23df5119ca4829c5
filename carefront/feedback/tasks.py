"""Background work of the feedback app. Tasks are thin: they call a service."""

from django.tasks import task

from .services import (
    nps_campaign_run_and_continue,
    recovery_mark_overdue,
    survey_send,
    themes_assign_new,
)


@task()
def survey_send_task(survey_id: int) -> str:
    return survey_send(survey_id=survey_id)


@task()
def nps_campaign_run_task(campaign_id: int) -> None:
    nps_campaign_run_and_continue(campaign_id=campaign_id)


@task()
def recovery_overdue_task(task_id: int) -> bool:
    return recovery_mark_overdue(task_id=task_id)


@task()
def feedback_themes_task() -> int:
    """Place the comments recorded since the last run in their themes."""
    return themes_assign_new()


@task()
def feedback_regroup_task(actor_id: int | None = None) -> int:
    """Group every comment afresh (a lead's "Regroup now")."""
    from carefront.accounts.models import Agent

    from .models import ThemeRun
    from .services import themes_regroup

    actor = Agent.objects.filter(pk=actor_id).first() if actor_id else None
    return themes_regroup(
        trigger=ThemeRun.Trigger.LEAD if actor else ThemeRun.Trigger.COMMAND, actor=actor
    ).themes


@task()
def improvement_tell_task(improvement_id: int) -> int:
    """Tell the customers of a shipped improvement ("you said, we did")."""
    from .services import improvement_tell

    return improvement_tell(improvement_id=improvement_id)
