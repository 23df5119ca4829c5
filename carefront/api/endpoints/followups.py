"""Snooze and wake a conversation; its follow-up promises: list, make, mark done, cancel.
Thin: parse, call a selector or service, render."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Status

from carefront.accounts.models import Agent
from carefront.conversations.selectors import access_conversation, attach_tag_names
from carefront.conversations.services import conversation_snooze, conversation_wake
from carefront.core.exceptions import InvalidInput
from carefront.sla.models import FollowUp
from carefront.sla.promises import conversation_promise_text
from carefront.sla.selectors import access_followup, conversation_followups
from carefront.sla.services import followup_cancel, followup_complete, followup_create

from ..auth import caller
from ..schemas import (
    ConversationOut,
    ErrorOut,
    FollowUpCreatedOut,
    FollowUpIn,
    FollowUpList,
    FollowUpOut,
    Id,
    SnoozeIn,
    ValidationErrorOut,
)
from ..serializers import conversations_out

router = Router(tags=["snooze and follow-ups"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _conversation_out(*, actor: Agent, conversation_id: int) -> dict:
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    attach_tag_names([conversation])
    return conversations_out([conversation])[0]


def _ref(agent: Agent | None) -> dict | None:
    return None if agent is None else {"id": agent.pk, "name": str(agent)}


def followup_out(follow_up: FollowUp) -> dict:
    """Expects owner and created_by loaded (or cheap to load: one promise)."""
    return {
        "id": follow_up.pk,
        "conversation_id": follow_up.conversation_id,
        "owner": _ref(follow_up.owner),
        "due_at": follow_up.due_at,
        "note": follow_up.note,
        "customer_text": follow_up.customer_text,
        "state": follow_up.state,
        "is_outstanding": follow_up.is_outstanding,
        "kept_at": follow_up.kept_at,
        "kept_by_message_id": follow_up.kept_by_message_id,
        "broken_at": follow_up.broken_at,
        "cancelled_at": follow_up.cancelled_at,
        "created_by": _ref(follow_up.created_by),
        "created_at": follow_up.created_at,
    }


@router.post("/conversations/{conversation_id}/snooze", response={200: ConversationOut, **ERRORS})
def snooze(request: HttpRequest, conversation_id: Path[Id], payload: SnoozeIn):
    """Set the conversation aside until `until`: status `snoozed`, out of the open and `mine`
    folders, SLA clocks paused. It is open again at that time, when the customer writes, or
    with `/wake`. A time in the past or more than a year ahead is a `400`."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    conversation_snooze(conversation=conversation, until=payload.until, actor=actor)
    return _conversation_out(actor=actor, conversation_id=conversation.pk)


@router.post("/conversations/{conversation_id}/wake", response={200: ConversationOut, **ERRORS})
def wake(request: HttpRequest, conversation_id: Path[Id]):
    """Open a snoozed conversation now; one that is not snoozed is left as it is."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    conversation_wake(conversation=conversation, actor=actor)
    return _conversation_out(actor=actor, conversation_id=conversation.pk)


@router.get("/conversations/{conversation_id}/follow-ups", response={200: FollowUpList, **ERRORS})
def list_followups(request: HttpRequest, conversation_id: Path[Id]):
    """The conversation's promises, outstanding ones first, then by due time."""
    conversation = access_conversation(actor=caller(request), conversation_id=conversation_id)
    rows = conversation_followups(conversation=conversation)
    return {"items": [followup_out(f) for f in rows]}


@router.post(
    "/conversations/{conversation_id}/follow-ups",
    response={201: FollowUpCreatedOut, **ERRORS},
)
def create_followup(request: HttpRequest, conversation_id: Path[Id], payload: FollowUpIn):
    """Promise to come back to the customer by `due_at`. The conversation is snoozed until
    then and, if the promise is not kept by then, it is broken (a breach) and the conversation
    comes back open and assigned to the owner. An agent's reply sent after this call keeps it:
    send the reply that announces the promise first."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    owner = actor
    if payload.owner_id is not None and payload.owner_id != actor.pk:
        owner = Agent.objects.filter(pk=payload.owner_id).first()
        if owner is None:
            raise InvalidInput(_("That agent does not exist."))
    follow_up = followup_create(
        conversation=conversation,
        owner=owner,
        due_at=payload.due_at,
        actor=actor,
        note=payload.note,
        customer_text=payload.customer_text,
    )
    body = followup_out(follow_up)
    body["suggested_customer_text"] = conversation_promise_text(
        conversation=conversation, due_at=follow_up.due_at
    )
    return Status(201, body)


@router.post(
    "/conversations/{conversation_id}/follow-ups/{follow_up_id}/complete",
    response={200: FollowUpOut, **ERRORS},
)
def complete_followup(request: HttpRequest, conversation_id: Path[Id], follow_up_id: Path[Id]):
    """The promise is fulfilled without a reply: kept if by its due time (else it stays
    broken, and leaves the outstanding list). Not outstanding: a `400`."""
    actor = caller(request)
    follow_up = access_followup(
        actor=actor, conversation_id=conversation_id, follow_up_id=follow_up_id
    )
    return followup_out(followup_complete(follow_up=follow_up, actor=actor))


@router.post(
    "/conversations/{conversation_id}/follow-ups/{follow_up_id}/cancel",
    response={200: FollowUpOut, **ERRORS},
)
def cancel_followup(request: HttpRequest, conversation_id: Path[Id], follow_up_id: Path[Id]):
    """Withdraw a promise not yet kept; a broken one stays counted as broken."""
    actor = caller(request)
    follow_up = access_followup(
        actor=actor, conversation_id=conversation_id, follow_up_id=follow_up_id
    )
    return followup_out(followup_cancel(follow_up=follow_up, actor=actor))
