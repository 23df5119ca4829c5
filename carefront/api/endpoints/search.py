"""Full-text search over the conversations the caller may see, best matches first."""

import hashlib

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from carefront.conversations.search import MAX_LIMIT, conversation_search
from carefront.conversations.selectors import (
    LIST_FIELDS,
    attach_tag_names,
    conversations_visible_to,
)
from carefront.core.exceptions import InvalidInput

from ..auth import caller
from ..pagination import decode_cursor, encode_cursor
from ..schemas import ErrorOut, ValidationErrorOut
from ..schemas_extra import SearchIn, SearchPage
from ..serializers import conversations_out

router = Router(tags=["search"])

CURSOR_ORDER = "relevance"


@router.get(
    "/search",
    response={
        200: SearchPage,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        422: ValidationErrorOut,
    },
)
def search(request: HttpRequest, params: Query[SearchIn]):
    """Conversations matching `q`, best first, in pages of `limit`.

    Results are ranked, not keyed, so paging walks the first 1000 matches; narrow the query
    to see past them. `next_cursor` is `null` after the last page."""
    actor = caller(request)
    offset = 0
    if params.cursor:
        query_hash, offset = decode_cursor(params.cursor, order=CURSOR_ORDER)
        if offset < 0 or offset >= MAX_LIMIT or query_hash != _fingerprint(params.q):
            raise InvalidInput(_("The page cursor is not valid."))
    ids = conversation_search(
        actor=actor, query=params.q, limit=min(offset + params.limit + 1, MAX_LIMIT)
    )
    window = ids[offset : offset + params.limit]
    rows = (
        conversations_visible_to(actor=actor)
        .filter(pk__in=window)
        .select_related("customer", "assignee", "inbox")
        .only(*LIST_FIELDS)
    )
    by_id = {c.pk: c for c in rows}
    page = [by_id[pk] for pk in window if pk in by_id]
    attach_tag_names(page)
    next_offset = offset + params.limit
    next_cursor = None
    if len(ids) > next_offset and next_offset < MAX_LIMIT:
        next_cursor = encode_cursor([CURSOR_ORDER, _fingerprint(params.q), next_offset])
    return {"items": conversations_out(page), "next_cursor": next_cursor}


def _fingerprint(query: str) -> str:
    """Ties a cursor to its query: a cursor reused with another `q` would point nowhere."""
    return hashlib.sha256(query.encode()).hexdigest()[:16]
