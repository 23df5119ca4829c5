"""Subscribers: every agent reply is checked by a task once it is committed; the settings' cache
moves on when a setting changes."""

from carefront.conversations import events as conversation_events
from carefront.core.events import subscribe


def on_message_sent(event: conversation_events.MessageSent) -> None:
    """After commit: a check lost to a crash right after the commit is found again by
    `manage.py quality_recheck`."""
    from .tasks import reply_check_task

    reply_check_task.enqueue(event.message_id)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import QaCheckSetting
    from .services.marks import SETTINGS

    subscribe(conversation_events.MessageSent, on_message_sent)
    # Framework hooks: a change made anywhere (the Django admin too) refreshes cached settings.
    post_save.connect(SETTINGS.changed, sender=QaCheckSetting, dispatch_uid="qa-settings-save")
    post_delete.connect(SETTINGS.changed, sender=QaCheckSetting, dispatch_uid="qa-settings-del")
