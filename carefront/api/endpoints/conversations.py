"""Conversations: list, read, create from an external system, messages, reply, note, assign,
status, priority, tags. Thin: parse, call a selector or service, render."""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.decorators import decorate_view

from carefront.accounts.models import Agent, Team
from carefront.conversations.inbound import InboundMessage
from carefront.conversations.models import PRIORITY_BY_NAME, Attachment, Conversation, Message
from carefront.conversations.selectors import (
    UNASSIGNED,
    ConversationFilters,
    access_conversation,
    attach_tag_names,
    conversation_list,
    visible_inbox,
)
from carefront.conversations.services import (
    Outcome,
    conversation_add_note,
    conversation_assign,
    conversation_reply,
    conversation_set_priority,
    conversation_set_status,
    conversation_set_tags,
)
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.inboxes.api_input import api_message_receive

from ..auth import caller
from ..pagination import keyset_page
from ..raw_input import keeps_raw_input, raw_input
from ..schemas import (
    AssignIn,
    BodyIn,
    ConversationChangedOut,
    ConversationCreateIn,
    ConversationFilterIn,
    ConversationOut,
    ConversationPage,
    ErrorOut,
    Id,
    MessageFilterIn,
    MessageOut,
    MessagePage,
    PriorityIn,
    ReplyIn,
    StatusIn,
    TagsIn,
    TagsOut,
    ValidationErrorOut,
)
from ..serializers import conversations_out, messages_out
from ..uploads import message_request_body, parse_message_request

router = Router(tags=["conversations"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._:\-]+$")


def _conversation_out(*, actor: Agent, conversation_id: int) -> dict:
    """A fresh, permission-checked read, with its tags, for a response."""
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    attach_tag_names([conversation])
    return conversations_out([conversation])[0]


def _message_out(message: Message) -> dict:
    message = (
        Message.objects.select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .get(pk=message.pk)
    )
    return messages_out([message])[0]


@router.get("/conversations", response={200: ConversationPage, **ERRORS})
def list_conversations(request: HttpRequest, filters: Query[ConversationFilterIn]):
    """Conversations in the caller's inboxes, one page at a time.

    `folder` works as in the UI (default `all`); the other filters narrow it down. Pass
    `next_cursor` back as `cursor` (with the same `sort`) for the next page; it is `null` on
    the last page.
    """
    actor = caller(request)
    assignee_id = filters.assignee_id
    if assignee_id == "me":
        assignee_id = actor.pk
    elif assignee_id == "none":
        assignee_id = UNASSIGNED
    page = conversation_list(
        actor=actor,
        filters=ConversationFilters(
            folder=filters.folder,
            status=filters.status,
            priority=PRIORITY_BY_NAME[filters.priority] if filters.priority else None,
            inbox_id=filters.inbox_id,
            assignee_id=assignee_id,
            team_id=filters.team_id,
            tag=filters.tag.strip().lower() if filters.tag else None,
            customer_id=filters.customer_id,
            is_bulk=filters.is_bulk,
            created_since=filters.created_since,
            updated_since=filters.updated_since,
            sla=filters.sla,
            sort=filters.sort,
        ),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": conversations_out(page.items), "next_cursor": page.next_cursor}


@router.post("/conversations", response={200: ConversationOut, 201: ConversationOut, **ERRORS})
@decorate_view(keeps_raw_input)
def create_conversation(request: HttpRequest, payload: ConversationCreateIn):
    """A customer's message from an external system (channel `api`): starts a conversation.

    With `external_id`, sending the same message again is safe: it is stored once, and the
    answer is the conversation it started (200 instead of 201). The request is kept as it
    arrived (accepted or not), like every inbound message.
    """
    actor = caller(request)
    inbox = visible_inbox(actor=actor, inbox_id=payload.inbox_id)
    if inbox is None:
        raise NotFound(_("Inbox not found."))
    if not inbox.is_active:
        raise InvalidInput(_("This inbox is not active."))
    email = payload.customer.email.strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise InvalidInput(_("The customer's email address is not valid.")) from exc
    if payload.external_id and not EXTERNAL_ID.match(payload.external_id):
        raise InvalidInput(_("external_id may hold only letters, digits and . _ : -"))
    if not payload.body.strip():
        raise InvalidInput(_("The message is empty."))
    domain = settings.CAREFRONT["MAIL_DOMAIN"]
    if payload.external_id:
        message_id = f"api.{inbox.pk}.{payload.external_id}@{domain}"
    else:
        message_id = f"api.{uuid.uuid4().hex}@{domain}"
    result = api_message_receive(
        raw=raw_input(request),
        inbox=inbox,
        inbound=InboundMessage(
            channel="api",
            from_address=email,
            from_name=payload.customer.name.strip(),
            subject=payload.subject.strip(),
            message_id=message_id,
            body_text=payload.body,
        ),
    )
    if result.outcome == Outcome.DUPLICATE:
        conversation_id = (
            Message.objects.filter(message_id=message_id)
            .exclude(message_id="")  # lets SQLite use the partial unique index
            .values_list("conversation_id", flat=True)
            .first()
        )
        if conversation_id is None:  # pragma: no cover - deleted between the two statements
            raise NotFound(_("Conversation not found."))
        return Status(200, _conversation_out(actor=actor, conversation_id=conversation_id))
    if result.conversation is None:
        raise InvalidInput(result.error or _("The message was not accepted."))
    conversation = result.conversation
    if result.outcome == Outcome.CREATED and conversation.inbox_id == inbox.pk:
        # Just written, whole, by this request: nobody assigned or tagged it yet.
        conversation.inbox = inbox
        conversation.tag_names = []
        return Status(201, conversations_out([conversation])[0])
    return Status(201, _conversation_out(actor=actor, conversation_id=conversation.pk))


@router.get("/conversations/{conversation_id}", response={200: ConversationOut, **ERRORS})
def get_conversation(request: HttpRequest, conversation_id: Path[Id]):
    return _conversation_out(actor=caller(request), conversation_id=conversation_id)


@router.get("/conversations/{conversation_id}/messages", response={200: MessagePage, **ERRORS})
def list_messages(request: HttpRequest, conversation_id: Path[Id], page: Query[MessageFilterIn]):
    """Messages and private notes, oldest first; `direction` keeps one kind."""
    conversation = access_conversation(actor=caller(request), conversation_id=conversation_id)
    qs = Message.objects.filter(conversation=conversation)
    if page.direction:
        qs = qs.filter(direction=page.direction)
    qs = qs.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    result = keyset_page(
        qs, key="created_at", kind="datetime", cursor=page.cursor, limit=page.limit
    )
    return {"items": messages_out(result.items), "next_cursor": result.next_cursor}


UPLOAD_ERRORS = {**ERRORS, 413: ErrorOut}
# Replies and notes with `if_last_message_id`: held when someone wrote meanwhile (409).
WRITE_ERRORS = {**UPLOAD_ERRORS, 409: ConversationChangedOut}


@router.post(
    "/conversations/{conversation_id}/replies",
    response={201: MessageOut, **WRITE_ERRORS},
    openapi_extra=message_request_body(ReplyIn),
)
def reply(request: HttpRequest, conversation_id: Path[Id]):
    """A reply to the customer, sent by email (queued, then delivered).

    The email carries exactly `body`; set `append_signature` to add the agent's signature.

    JSON for text only; multipart/form-data (`body`, `status`, any number of `files`) to attach
    files, which are sent with the email. Limits: 20 files, each within the attachment size
    limit, all within the message size limit (413 / 400 beyond)."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    payload, files = parse_message_request(request, ReplyIn)
    # Stored with the signature, so the timeline and the email stay the same text.
    body = payload.body + (actor.signature_block if payload.append_signature else "")
    message = conversation_reply(
        conversation=conversation,
        author=actor,
        body=body,
        status=payload.status,
        attachments=files,
        if_last_message_id=payload.if_last_message_id,
    )
    return Status(201, _message_out(message))


@router.post(
    "/conversations/{conversation_id}/notes",
    response={201: MessageOut, **WRITE_ERRORS},
    openapi_extra=message_request_body(BodyIn),
)
def add_note(request: HttpRequest, conversation_id: Path[Id]):
    """A private note, seen by agents only; JSON, or multipart/form-data with `files`."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    payload, files = parse_message_request(request, BodyIn)
    message = conversation_add_note(
        conversation=conversation,
        author=actor,
        body=payload.body,
        attachments=files,
        if_last_message_id=payload.if_last_message_id,
    )
    return Status(201, _message_out(message))


@router.post("/conversations/{conversation_id}/assign", response={200: ConversationOut, **ERRORS})
def assign(request: HttpRequest, conversation_id: Path[Id], payload: AssignIn):
    """Give the conversation to an agent (`null`: nobody), and optionally to a team."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    assignee = None
    if payload.assignee_id is not None:
        assignee = Agent.objects.filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise InvalidInput(_("That agent does not exist."))
    team = None
    if payload.team_id is not None:
        team = Team.objects.filter(pk=payload.team_id).first()
        if team is None:
            raise InvalidInput(_("That team does not exist."))
    conversation_assign(conversation=conversation, assignee=assignee, team=team, actor=actor)
    return _conversation_out(actor=actor, conversation_id=conversation.pk)


@router.post("/conversations/{conversation_id}/status", response={200: ConversationOut, **ERRORS})
def set_status(request: HttpRequest, conversation_id: Path[Id], payload: StatusIn):
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    conversation_set_status(conversation=conversation, status=payload.status, actor=actor)
    return _conversation_out(actor=actor, conversation_id=conversation.pk)


@router.post("/conversations/{conversation_id}/priority", response={200: ConversationOut, **ERRORS})
def set_priority(request: HttpRequest, conversation_id: Path[Id], payload: PriorityIn):
    """Raise or lower the priority; setting the current one changes nothing."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    conversation_set_priority(conversation=conversation, priority=payload.priority, actor=actor)
    return _conversation_out(actor=actor, conversation_id=conversation.pk)


@router.put("/conversations/{conversation_id}/tags", response={200: TagsOut, **ERRORS})
def set_tags(request: HttpRequest, conversation_id: Path[Id], payload: TagsIn):
    """Replace the conversation's tags; unknown tags are created."""
    actor = caller(request)
    conversation: Conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    tags = conversation_set_tags(conversation=conversation, names=payload.tags, actor=actor)
    return {"tags": [t.name for t in tags]}
