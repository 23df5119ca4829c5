from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _search_index_ensure(sender, using: str, **kwargs) -> None:
    from django.db import connections

    from .search import search_index_ensure

    search_index_ensure(using=connections[using])


def _release_conversations(event) -> None:
    from .tasks import conversations_release_from_agent_task

    conversations_release_from_agent_task.enqueue(event.agent_id, event.actor_id)


class ConversationsConfig(AppConfig):
    name = "carefront.conversations"
    label = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        # A later migration can rebuild the messages table on SQLite, dropping the search
        # triggers with it; put them back after every migrate.
        post_migrate.connect(_search_index_ensure, sender=self)

        from carefront.accounts.events import AgentDeactivated
        from carefront.core.events import subscribe

        subscribe(AgentDeactivated, _release_conversations)
        _register_recovery()
        _connect_inbox_access()
        _connect_folder_counts()

        from . import live

        live.connect()


def _connect_folder_counts() -> None:
    """Folder counts (selectors.folder_counts) are cached; these changes move them on. Bulk
    inserts and queryset updates send no model signals: their events do."""
    from django.db.models.signals import post_delete, post_save

    from carefront.core.events import subscribe

    from . import events
    from .models import Conversation
    from .selectors import FOLDER_COUNTS

    counted_fields = {"status", "assignee", "inbox"}

    # Counts may lag a few seconds anyway (docs/agent-guide.md): moving them on once, after
    # commit, is enough, and a batch of new conversations pays for it once.
    def saved(update_fields=None, **kwargs) -> None:
        if update_fields is None or counted_fields & set(update_fields):
            FOLDER_COUNTS.bump_after_commit()

    def deleted(**kwargs) -> None:
        FOLDER_COUNTS.bump_after_commit()

    def on_event(event) -> None:
        if isinstance(event, events.MessageReceived) and not event.reopened:
            return
        FOLDER_COUNTS.bump_after_commit()

    post_save.connect(saved, sender=Conversation, weak=False, dispatch_uid="folder-counts-save")
    post_delete.connect(
        deleted, sender=Conversation, weak=False, dispatch_uid="folder-counts-delete"
    )
    for event_type in (
        events.ConversationCreated,
        events.ConversationAssigned,
        events.ConversationStatusChanged,
        events.MessageReceived,
    ):
        subscribe(event_type, on_event, in_transaction=True)


def _recover_outbox() -> int:
    from .services.outbox import outbox_recover

    return outbox_recover()


def _register_recovery() -> None:
    """Workers put back the sends of dead workers when they start (carefront.core.workers)."""
    from carefront.core.workers import register_recovery

    register_recovery("outbox", _recover_outbox)


def _connect_inbox_access() -> None:
    """Who sees which inbox is cached (selectors.visible_inbox); these changes move it on."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from carefront.accounts.models import Agent, Team
    from carefront.inboxes.models import Inbox

    from .selectors import INBOX_ACCESS

    def changed(**kwargs) -> None:
        INBOX_ACCESS.changed()

    for model in (Agent, Team, Inbox):
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(
                changed,
                sender=model,
                weak=False,
                dispatch_uid=f"inbox-access-{name}-{model.__name__}",
            )
    for through in (Team.members.through, Inbox.teams.through):
        m2m_changed.connect(
            changed, sender=through, weak=False, dispatch_uid=f"inbox-access-{through.__name__}"
        )
