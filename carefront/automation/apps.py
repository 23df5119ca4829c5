from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "carefront.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        _connect_triage()
        # Rules before auto-assignment: a rule that sends a conversation to a team is followed
        # by that team's assignment policy.
        _connect_rules()
        _connect_routing()


def _connect_triage() -> None:
    from carefront.conversations import events as conversation_events
    from carefront.core.events import subscribe
    from carefront.core.workers import register_recovery

    from .triage.services import on_conversation_created, on_conversations_created
    from .triage.tasks import intent_model_recover

    # Triage is written with the conversation, so rules after commit can read it; a batch of
    # new conversations (messages_receive) in one INSERT.
    subscribe(conversation_events.ConversationCreated, on_conversation_created, in_transaction=True)
    subscribe(
        conversation_events.ConversationsCreated, on_conversations_created, in_transaction=True
    )
    register_recovery("automation-triage", intent_model_recover)


def _connect_routing() -> None:
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


def _connect_rules() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Rule
    from .rules import runner
    from .rules.engine import rules_changed

    post_save.connect(rules_changed, sender=Rule, dispatch_uid="automation-rules-saved")
    post_delete.connect(rules_changed, sender=Rule, dispatch_uid="automation-rules-deleted")
    runner.connect()
