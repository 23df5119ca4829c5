"""Ratings from satisfaction surveys (read only): customers give them, the API lists them."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Path, Query, Router

from carefront.conversations.selectors import access_conversation
from carefront.feedback.models import Rating
from carefront.feedback.selectors import access_rating, ratings_visible_to

from ..auth import caller
from ..pagination import keyset_page
from ..schemas import (
    ErrorOut,
    Id,
    RatingFilterIn,
    RatingOut,
    RatingPage,
    RatingPageIn,
    ValidationErrorOut,
)
from ..serializers import ratings_out

router = Router(tags=["ratings"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _page(qs: QuerySet[Rating], page: RatingPageIn) -> dict:
    result = keyset_page(
        qs,
        key="created_at",
        kind="datetime",
        cursor=page.cursor,
        limit=page.limit,
        descending=page.sort == "-created",
        order=page.sort,
    )
    return {"items": ratings_out(result.items), "next_cursor": result.next_cursor}


@router.get("/ratings", response={200: RatingPage, **ERRORS})
def list_ratings(request: HttpRequest, filters: Query[RatingFilterIn]):
    """Ratings of conversations in the caller's inboxes, newest first (`sort=created` for
    oldest first, to sync with `since`). A rating the customer changed keeps its id and
    creation time; `updated_at` moves."""
    actor = caller(request)
    qs = ratings_visible_to(actor=actor)
    if filters.score:
        qs = qs.filter(score=filters.score)
    if filters.agent_id:
        qs = qs.filter(agent_id=actor.pk if filters.agent_id == "me" else filters.agent_id)
    if filters.conversation_id:
        qs = qs.filter(conversation_id=filters.conversation_id)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.since:
        qs = qs.filter(created_at__gte=filters.since)
    return _page(qs, filters)


@router.get("/ratings/{rating_id}", response={200: RatingOut, **ERRORS})
def get_rating(request: HttpRequest, rating_id: Path[Id]):
    return ratings_out([access_rating(actor=caller(request), rating_id=rating_id)])[0]


@router.get("/conversations/{conversation_id}/ratings", response={200: RatingPage, **ERRORS})
def list_conversation_ratings(
    request: HttpRequest, conversation_id: Path[Id], page: Query[RatingPageIn]
):
    """The conversation's ratings (one per survey; usually none or one), newest first."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    return _page(ratings_visible_to(actor=actor).filter(conversation=conversation), page)
