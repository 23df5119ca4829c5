"""Improvements ("you said, we did", docs/feedback.md): leads and admins list, create and edit
them, link feedback comments and conversations, and mark them shipped, which tells each linked
customer once."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from carefront.conversations.representations import ref
from carefront.core.exceptions import InvalidInput
from carefront.feedback.models import Improvement
from carefront.feedback.selectors import access_improvement, improvement_page
from carefront.feedback.services import (
    improvement_create,
    improvement_link,
    improvement_link_theme,
    improvement_ship,
    improvement_update,
)

from ..auth import caller
from ..schemas import ErrorOut, Id, ValidationErrorOut
from ..schemas_improvements import (
    ImprovementCreateIn,
    ImprovementFilterIn,
    ImprovementLinkIn,
    ImprovementLinkOut,
    ImprovementOut,
    ImprovementPage,
    ImprovementUpdateIn,
)

router = Router(tags=["improvements"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def improvements_out(improvements: list[Improvement]) -> list[dict]:
    """Expects created_by and shipped_by selected (`improvements_visible_to`): no query."""
    return [
        {
            "id": i.pk,
            "title": i.title,
            "description": i.description,
            "customer_message": i.customer_message,
            "status": i.status,
            "shipped_at": i.shipped_at,
            "shipped_by": ref(i.shipped_by),
            "customers_linked": i.customers_linked,
            "customers_told": i.customers_told,
            "created_by": ref(i.created_by),
            "created_at": i.created_at,
            "updated_at": i.updated_at,
        }
        for i in improvements
    ]


def _one(request: HttpRequest, improvement_id: int) -> dict:
    return improvements_out(
        [access_improvement(actor=caller(request), improvement_id=improvement_id)]
    )[0]


@router.get("/improvements", response={200: ImprovementPage, **ERRORS})
def list_improvements(request: HttpRequest, filters: Query[ImprovementFilterIn]):
    """Newest first, optionally of one status. Leads and admins."""
    page = improvement_page(
        actor=caller(request), status=filters.status, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": improvements_out(page.items), "next_cursor": page.next_cursor}


@router.post("/improvements", response={201: ImprovementOut, **ERRORS})
def create_improvement(request: HttpRequest, payload: ImprovementCreateIn):
    """Planned or in progress; mark it shipped with `POST /improvements/{id}/ship`."""
    improvement = improvement_create(
        actor=caller(request),
        title=payload.title,
        description=payload.description,
        customer_message=payload.customer_message,
        status=payload.status,
    )
    return Status(201, _one(request, improvement.pk))


@router.get("/improvements/{improvement_id}", response={200: ImprovementOut, **ERRORS})
def get_improvement(request: HttpRequest, improvement_id: Path[Id]):
    return _one(request, improvement_id)


@router.patch("/improvements/{improvement_id}", response={200: ImprovementOut, **ERRORS})
def update_improvement(
    request: HttpRequest, improvement_id: Path[Id], payload: ImprovementUpdateIn
):
    """Only the fields you send change. A shipped improvement's status stays shipped (400)."""
    actor = caller(request)
    access_improvement(actor=actor, improvement_id=improvement_id)
    improvement_update(
        actor=actor,
        improvement_id=improvement_id,
        title=payload.title,
        description=payload.description,
        customer_message=payload.customer_message,
        status=payload.status,
    )
    return _one(request, improvement_id)


@router.post("/improvements/{improvement_id}/links", response={200: ImprovementLinkOut, **ERRORS})
def link_improvement(request: HttpRequest, improvement_id: Path[Id], payload: ImprovementLinkIn):
    """Link feedback comments, conversations, or every comment of a theme. Linking one twice
    does nothing; an unknown id links nothing (404). Linked to a shipped improvement, a new
    customer is told at once."""
    actor = caller(request)
    access_improvement(actor=actor, improvement_id=improvement_id)
    if payload.theme_id is None and not payload.comment_ids and not payload.conversation_ids:
        raise InvalidInput(_("Give comment_ids, conversation_ids or a theme_id."))
    links = customers = 0
    if payload.comment_ids or payload.conversation_ids:
        result = improvement_link(
            actor=actor,
            improvement_id=improvement_id,
            comment_ids=payload.comment_ids,
            conversation_ids=payload.conversation_ids,
        )
        links, customers = result.links_added, result.customers_added
    if payload.theme_id is not None:
        result = improvement_link_theme(
            actor=actor, improvement_id=improvement_id, theme_id=payload.theme_id
        )
        links += result.links_added
        customers += result.customers_added
    return {
        "links_added": links,
        "customers_added": customers,
        "improvement": _one(request, improvement_id),
    }


@router.post("/improvements/{improvement_id}/ship", response={200: ImprovementOut, **ERRORS})
def ship_improvement(request: HttpRequest, improvement_id: Path[Id]):
    """Mark it shipped: each linked customer is told once, in their conversation (a task, after
    the response). Calling it again changes nothing and tells nobody twice. 400 when customers
    are linked and `customer_message` is empty."""
    actor = caller(request)
    access_improvement(actor=actor, improvement_id=improvement_id)
    improvement_ship(actor=actor, improvement_id=improvement_id)
    return _one(request, improvement_id)
