"""Saved replies: every agent may read and use them; leads and admins write them."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from carefront.automation.models import SavedReply
from carefront.automation.selectors import saved_reply_list
from carefront.automation.services import (
    saved_reply_create,
    saved_reply_delete,
    saved_reply_render,
    saved_reply_update,
)
from carefront.conversations.selectors import access_conversation
from carefront.core.exceptions import NotFound

from ..auth import caller
from ..pagination import keyset_page
from ..schemas import ErrorOut, Id, ValidationErrorOut
from ..schemas_extra import (
    SavedReplyCreateIn,
    SavedReplyFilterIn,
    SavedReplyOut,
    SavedReplyPage,
    SavedReplyRenderedOut,
    SavedReplyRenderIn,
    SavedReplyUpdateIn,
)
from ..serializers_extra import saved_replies_out

router = Router(tags=["saved replies"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _saved_reply(saved_reply_id: int) -> SavedReply:
    saved_reply = SavedReply.objects.filter(pk=saved_reply_id).first()
    if saved_reply is None:
        raise NotFound(_("Saved reply not found."))
    return saved_reply


@router.get("/saved-replies", response={200: SavedReplyPage, **ERRORS})
def list_saved_replies(request: HttpRequest, filters: Query[SavedReplyFilterIn]):
    """Saved replies by title; `title` narrows to titles starting with it (any case)."""
    qs = saved_reply_list()
    if filters.title:
        qs = qs.filter(title__istartswith=filters.title)
    page = keyset_page(qs, key="title", kind="text", cursor=filters.cursor, limit=filters.limit)
    return {"items": saved_replies_out(page.items), "next_cursor": page.next_cursor}


@router.get("/saved-replies/{saved_reply_id}", response={200: SavedReplyOut, **ERRORS})
def get_saved_reply(request: HttpRequest, saved_reply_id: Path[Id]):
    return saved_replies_out([_saved_reply(saved_reply_id)])[0]


@router.get(
    "/saved-replies/{saved_reply_id}/render",
    response={200: SavedReplyRenderedOut, **ERRORS},
)
def render_saved_reply(
    request: HttpRequest, saved_reply_id: Path[Id], payload: Query[SavedReplyRenderIn]
):
    """The text filled for one of your conversations (customer and agent names, subject...),
    ready to send as a reply. Nothing is sent or stored."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=payload.conversation_id)
    saved_reply = _saved_reply(saved_reply_id)
    body = saved_reply_render(saved_reply=saved_reply, conversation=conversation, agent=actor)
    return {"saved_reply_id": saved_reply.pk, "conversation_id": conversation.pk, "body": body}


@router.post("/saved-replies", response={201: SavedReplyOut, **ERRORS})
def create_saved_reply(request: HttpRequest, payload: SavedReplyCreateIn):
    """Leads and admins. A placeholder error (`{% if %}` without its end) is a 400."""
    saved_reply = saved_reply_create(
        actor=caller(request),
        title=payload.title,
        body=payload.body,
        language=payload.language,
        actions=payload.actions,
    )
    return Status(201, saved_replies_out([saved_reply])[0])


@router.patch("/saved-replies/{saved_reply_id}", response={200: SavedReplyOut, **ERRORS})
def update_saved_reply(request: HttpRequest, saved_reply_id: Path[Id], payload: SavedReplyUpdateIn):
    """Leads and admins. Only the fields you send change."""
    saved_reply = _saved_reply(saved_reply_id)
    saved_reply = saved_reply_update(
        actor=caller(request),
        saved_reply=saved_reply,
        title=payload.title if payload.title is not None else saved_reply.title,
        body=payload.body if payload.body is not None else saved_reply.body,
        language=payload.language,
        actions=payload.actions,
    )
    return saved_replies_out([saved_reply])[0]


@router.delete("/saved-replies/{saved_reply_id}", response={204: None, **ERRORS})
def delete_saved_reply(request: HttpRequest, saved_reply_id: Path[Id]):
    """Leads and admins."""
    saved_reply_delete(actor=caller(request), saved_reply=_saved_reply(saved_reply_id))
    return Status(204, None)
