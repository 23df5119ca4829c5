"""The inboxes the caller works in."""

from django.http import HttpRequest
from ninja import Query, Router

from carefront.conversations.selectors import visible_inboxes

from ..auth import caller
from ..pagination import keyset_page
from ..schemas import ErrorOut, InboxFilterIn, InboxPage, ValidationErrorOut
from ..serializers import inboxes_out

router = Router(tags=["inboxes"])


@router.get(
    "/inboxes",
    response={200: InboxPage, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut},
)
def list_inboxes(request: HttpRequest, page: Query[InboxFilterIn]):
    """The inboxes you work in, by name; `channel` and `is_active` narrow the list."""
    qs = visible_inboxes(actor=caller(request))
    if page.channel is not None:
        qs = qs.filter(channel=page.channel)
    if page.is_active is not None:
        qs = qs.filter(is_active=page.is_active)
    result = keyset_page(
        qs,
        key="name",
        kind="text",
        cursor=page.cursor,
        limit=page.limit,
    )
    return {"items": inboxes_out(result.items), "next_cursor": result.next_cursor}
