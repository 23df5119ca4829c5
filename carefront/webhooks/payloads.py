"""The `data` of each event: the same field names as the REST API's output for that object.

Each builder costs a fixed number of queries, whatever the conversation or customer holds.
The shapes themselves live beside the models (`conversations/representations.py`,
`customers/representations.py`), shared with the API: webhooks do not import the API, the two
are delivery layers that must not depend on each other.
"""

from carefront.conversations.models import Conversation, Direction, Message
from carefront.conversations.representations import conversation_repr, message_repr, ref
from carefront.customers.models import Customer
from carefront.customers.representations import customer_repr
from carefront.feedback.models import Improvement, NpsResponse, Rating, RecoveryTask
from carefront.sla.models import SlaTarget
from carefront.sla.representations import sla_blocks, target_repr
from carefront.sla.selectors import calendar_directory


def conversation_data(conversation: Conversation) -> dict:
    """Expects customer, assignee, inbox and team selected (see `conversation_for_payload`).
    One query: the SLA targets."""
    tags = sorted(tag.name for tag in conversation.tags.all())
    data = conversation_repr(conversation, team=conversation.team, tags=tags)
    data["sla"] = sla_blocks([conversation])[conversation.pk]
    return data


def conversation_for_payload(conversation_id: int) -> Conversation | None:
    """Two queries: the conversation with its relations, and its tags."""
    return (
        Conversation.objects.select_related("customer", "assignee", "inbox", "team")
        .prefetch_related("tags")
        .filter(pk=conversation_id)
        .first()
    )


def message_data(message: Message, conversation: Conversation) -> dict:
    """Expects author selected and attachments prefetched (see `message_for_payload`)."""
    data = message_repr(message)
    data["private"] = message.direction == Direction.NOTE
    data["conversation"] = conversation_data(conversation)
    return data


def message_for_payload(message_id: int) -> Message | None:
    """Three queries: the message with its author and conversation, attachments, tags."""
    return (
        Message.objects.select_related(
            "author",
            "conversation__customer",
            "conversation__assignee",
            "conversation__inbox",
            "conversation__team",
        )
        .prefetch_related("attachments", "conversation__tags")
        .filter(pk=message_id)
        .first()
    )


def customer_data(customer: Customer) -> dict:
    """Expects identities prefetched (see `customer_for_payload`). Without the agents' notes."""
    return customer_repr(customer, notes=False)


def customer_for_payload(customer_id: int) -> Customer | None:
    """Two queries: the customer and its identities."""
    return Customer.objects.prefetch_related("identities").filter(pk=customer_id).first()


def rating_data(rating: Rating) -> dict:
    """Expects the conversation (with its relations and tags) and the agent selected (see
    `rating_for_payload`)."""
    r = rating
    return {
        "id": r.pk,
        "score": r.score,
        "comment": r.comment,
        "conversation_id": r.conversation_id,
        "customer": {"id": r.customer.pk, "name": r.customer.name, "email": r.customer.email},
        "agent": ref(r.agent),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "conversation": conversation_data(r.conversation),
    }


def rating_for_payload(rating_id: int) -> Rating | None:
    """Two queries: the rating with its conversation's relations, and the tags."""
    return (
        Rating.objects.select_related(
            "agent",
            "customer",
            "conversation__customer",
            "conversation__assignee",
            "conversation__inbox",
            "conversation__team",
        )
        .prefetch_related("conversation__tags")
        .filter(pk=rating_id)
        .first()
    )


def nps_response_data(response: NpsResponse) -> dict:
    """Expects the campaign and the customer selected (see `nps_response_for_payload`)."""
    r = response
    return {
        "id": r.pk,
        "score": r.score,
        "category": r.category,
        "comment": r.comment,
        "campaign": {"id": r.campaign_id, "name": r.campaign.name},
        "customer": {"id": r.customer.pk, "name": r.customer.name, "email": r.customer.email},
        "answered_at": r.answered_at,
        "updated_at": r.updated_at,
    }


def nps_response_for_payload(response_id: int) -> NpsResponse | None:
    """One query."""
    return NpsResponse.objects.select_related("campaign", "customer").filter(pk=response_id).first()


def sla_target_data(target: SlaTarget, now) -> dict:
    """Expects the conversation loaded as `conversation_for_payload` does (see
    `sla_target_for_payload`)."""
    c = target.conversation
    data = target_repr(
        target, inbox_id=c.inbox_id, team_id=c.team_id, now=now, directory=calendar_directory()
    )
    data["conversation"] = conversation_data(c)
    return data


def sla_target_for_payload(target_id: int) -> SlaTarget | None:
    """Two queries: the target with its conversation and relations, and the tags."""
    return (
        SlaTarget.objects.select_related(
            "conversation__customer",
            "conversation__assignee",
            "conversation__inbox",
            "conversation__team",
        )
        .prefetch_related("conversation__tags")
        .filter(pk=target_id)
        .first()
    )


def recovery_data(task: RecoveryTask) -> dict:
    """Expects owner, agent, closed_by, customer and the conversation with its relations
    selected (see `recovery_for_payload`). The same shape as the API's recovery task."""
    return {
        "id": task.pk,
        "state": task.state,
        "reason": task.reason,
        "source": {"kind": task.source_kind, "id": task.source_id},
        "score": task.score,
        "comment": task.comment,
        "customer": {
            "id": task.customer.pk,
            "name": task.customer.name,
            "email": task.customer.email,
        },
        "conversation_id": task.conversation_id,
        "inbox_id": task.inbox_id,
        "agent": ref(task.agent),
        "owner": ref(task.owner),
        "due_at": task.due_at,
        "outcome": task.outcome or None,
        "note": task.note,
        "closed_by": ref(task.closed_by),
        "closed_at": task.closed_at,
        "created_at": task.created_at,
        "conversation": conversation_data(task.conversation) if task.conversation else None,
    }


def recovery_for_payload(task_id: int) -> RecoveryTask | None:
    """Two queries: the task with its relations, and the conversation's tags."""
    return (
        RecoveryTask.objects.select_related(
            "owner",
            "agent",
            "closed_by",
            "customer",
            "conversation__customer",
            "conversation__assignee",
            "conversation__inbox",
            "conversation__team",
        )
        .prefetch_related("conversation__tags")
        .filter(pk=task_id)
        .first()
    )


def improvement_data(improvement: Improvement) -> dict:
    """Expects created_by and shipped_by selected. The same shape as the API's improvement."""
    return {
        "id": improvement.pk,
        "title": improvement.title,
        "description": improvement.description,
        "customer_message": improvement.customer_message,
        "status": improvement.status,
        "shipped_at": improvement.shipped_at,
        "shipped_by": ref(improvement.shipped_by),
        "customers_linked": improvement.customers_linked,
        "customers_told": improvement.customers_told,
        "created_by": ref(improvement.created_by),
        "created_at": improvement.created_at,
        "updated_at": improvement.updated_at,
    }


def improvement_for_payload(improvement_id: int) -> Improvement | None:
    return (
        Improvement.objects.select_related("created_by", "shipped_by")
        .filter(pk=improvement_id)
        .first()
    )


def rule_change_data(change) -> dict:
    """The rule as it is after the change (as it was, for a deletion), and who changed it.
    Expects the actor and the rule selected (see `rule_change_for_payload`)."""
    rule = change.rule
    state = change.after or change.before or {}
    data = {
        "id": change.rule_id,
        "name": rule.name if rule is not None else change.rule_name,
        "trigger": rule.trigger if rule is not None else state.get("trigger", ""),
        "is_active": rule.is_active if rule is not None else False,
        "position": rule.position if rule is not None else state.get("position"),
        "conditions": rule.conditions if rule is not None else state.get("conditions", {}),
        "actions": rule.actions if rule is not None else state.get("actions", []),
        "updated_at": rule.updated_at if rule is not None else change.created_at,
    }
    return {
        "rule": data,
        "change": {
            "id": change.pk,
            "action": change.action,
            "actor": ref(change.actor),
            "at": change.created_at,
            "before": change.before,
            "after": change.after,
        },
    }


def rule_change_for_payload(change_id: int):
    from carefront.automation.models import RuleChange

    return RuleChange.objects.select_related("actor", "rule").filter(pk=change_id).first()
