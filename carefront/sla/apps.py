from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "carefront.sla"
    label = "sla"
    verbose_name = _("SLAs and business hours")

    def ready(self) -> None:
        from .selectors import connect_generation
        from .services import policies

        connect_generation()
        policies.connect_generation()
        _connect_followups()


def _keep_promises(event) -> None:
    from .services.followups import followups_keep_by_reply

    followups_keep_by_reply(conversation_id=event.conversation_id, message_id=event.message_id)


def _connect_followups() -> None:
    """A reply keeps the conversation's open promises. In the reply's transaction: a promise
    made after the reply, in the same request ("reply and promise"), is not kept by it."""
    from carefront.conversations.events import MessageSent
    from carefront.core.events import subscribe

    subscribe(MessageSent, _keep_promises, in_transaction=True)
