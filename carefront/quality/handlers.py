"""Subscribers: every agent reply is checked by a task once it is committed."""

from carefront.conversations import events as conversation_events
from carefront.core.events import subscribe


def on_message_sent(event: conversation_events.MessageSent) -> None:
    """After commit: a check lost to a crash right after the commit is found again by
    `manage.py quality_recheck`."""
    from .tasks import reply_check_task

    reply_check_task.enqueue(event.message_id)


def connect() -> None:
    subscribe(conversation_events.MessageSent, on_message_sent)
