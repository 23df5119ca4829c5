"""Tags: the shared vocabulary agents label conversations with (as in the UI's tag filter)."""

from django.http import HttpRequest
from ninja import Query, Router

from carefront.conversations.models import Tag

from ..pagination import keyset_page
from ..schemas import ErrorOut, ValidationErrorOut
from ..schemas_extra import TagFilterIn, TagPage
from ..serializers_extra import tags_out

router = Router(tags=["tags"])


@router.get(
    "/tags",
    response={200: TagPage, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut},
)
def list_tags(request: HttpRequest, filters: Query[TagFilterIn]):
    """Every tag by name; `prefix` narrows to names starting with it (tags are lower-case)."""
    qs = Tag.objects.all()
    if filters.prefix:
        qs = qs.filter(name__startswith=filters.prefix.strip().lower())
    page = keyset_page(qs, key="name", kind="text", cursor=filters.cursor, limit=filters.limit)
    return {"items": tags_out(page.items), "next_cursor": page.next_cursor}
