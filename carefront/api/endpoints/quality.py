"""Auto-QA marks (docs/quality.md): an agent reads their own, a lead their teams' agents', an
admin everyone's."""

from django.http import HttpRequest
from ninja import Query, Router

from carefront.quality.representations import mark_repr
from carefront.quality.selectors import MarkFilters, mark_page

from ..auth import caller
from ..schemas import ErrorOut, ValidationErrorOut
from ..schemas_quality import QaMarkFilterIn, QaMarkPage

router = Router(tags=["quality"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


@router.get("/qa/marks", response={200: QaMarkPage, **ERRORS})
def list_qa_marks(request: HttpRequest, filters: Query[QaMarkFilterIn]):
    """Current auto-QA marks, newest first, one per reply and behaviour. Filters the caller may
    not see (another team's agent) give an empty page."""
    page = mark_page(
        actor=caller(request),
        filters=MarkFilters(
            conversation_id=filters.conversation_id,
            agent_id=filters.agent_id,
            team_id=filters.team_id,
            behaviour=filters.behaviour,
            outcome=filters.outcome,
            since=filters.since,
            until=filters.until,
        ),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [mark_repr(m) for m in page.items], "next_cursor": page.next_cursor}
