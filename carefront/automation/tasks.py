"""Background work of rules: email and webhook calls (never inside a change), and the timers of
time rules. Tasks are thin: they call a service."""

import datetime as dt

from django.tasks import task


@task()
def rule_email_send_task(
    to: str, subject: str, body: str, conversation_id: int, rule_name: str
) -> str:
    from .rules.outbound import rule_email_send

    return rule_email_send(
        to=to, subject=subject, body=body, conversation_id=conversation_id, rule_name=rule_name
    )


@task()
def rule_webhook_call_task(rule_id: int, url: str, body: str) -> str:
    from .rules.outbound import rule_webhook_call

    return rule_webhook_call(rule_id=rule_id, url=url, body=body)


@task()
def rule_time_due_task(rule_id: int, conversation_id: int, anchor: str) -> str:
    """A time rule's timer, enqueued with `run_after` at its due moment."""
    from .rules.timers import rule_time_due

    return rule_time_due(
        rule_id=rule_id, conversation_id=conversation_id, anchor=dt.datetime.fromisoformat(anchor)
    )


@task()
def rule_time_backfill_task(rule_id: int, after_id: int = 0) -> int:
    """Timers for the conversations that were there when a time rule was turned on, one batch
    at a time (each batch enqueues the next)."""
    from .rules.timers import rule_time_backfill

    return rule_time_backfill(rule_id=rule_id, after_id=after_id)
