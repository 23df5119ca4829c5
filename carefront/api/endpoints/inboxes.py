"""The inboxes the caller works in."""

from django.http import HttpRequest
from ninja import Query, Router

from carefront.conversations.selectors import visible_inboxes

from ..auth import caller
from ..pagination import keyset_page
from ..schemas import ErrorOut, InboxPage, PageIn
from ..serializers import inboxes_out

router = Router(tags=["inboxes"])


@router.get("/inboxes", response={200: InboxPage, 400: ErrorOut, 401: ErrorOut})
def list_inboxes(request: HttpRequest, page: Query[PageIn]):
    result = keyset_page(
        visible_inboxes(actor=caller(request)),
        key="name",
        kind="text",
        cursor=page.cursor,
        limit=page.limit,
    )
    return {"items": inboxes_out(result.items), "next_cursor": result.next_cursor}
