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
