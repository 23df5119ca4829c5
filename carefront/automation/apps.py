from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "carefront.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from carefront.accounts.events import AgentAvailabilityChanged
        from carefront.conversations.events import (
            ConversationAssigned,
            ConversationCreated,
            ConversationStatusChanged,
        )
        from carefront.core.events import subscribe

        from . import assignment, routing

        # After commit: routing reads what the change committed.
        subscribe(ConversationCreated, assignment.on_conversation_created)
        subscribe(ConversationAssigned, assignment.on_assigned)
        subscribe(ConversationAssigned, routing.on_assigned)
        subscribe(ConversationStatusChanged, routing.on_status_changed)
        subscribe(AgentAvailabilityChanged, routing.on_availability_changed)
        subscribe(AgentAvailabilityChanged, assignment.on_availability_changed)
