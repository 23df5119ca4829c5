"""Recovery tasks: follow-ups on bad experiences (docs/feedback.md). Leads and admins see all,
agents the tasks they own; the owner, a lead or an admin closes or reassigns one."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from carefront.accounts.models import Agent
from carefront.conversations.representations import ref
from carefront.core.exceptions import InvalidInput
from carefront.feedback.models import RecoveryTask
from carefront.feedback.selectors import (
    RecoveryFilters,
    access_recovery_task,
    recovery_task_page,
)
from carefront.feedback.services import recovery_close, recovery_reassign

from ..auth import caller
from ..schemas import ErrorOut, Id, ValidationErrorOut
from ..schemas_recovery import (
    RecoveryCloseIn,
    RecoveryFilterIn,
    RecoveryReassignIn,
    RecoveryTaskOut,
    RecoveryTaskPage,
)

router = Router(tags=["recovery"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def recovery_tasks_out(tasks: list[RecoveryTask]) -> list[dict]:
    """Expects the relations selected (`recovery_tasks_visible_to`): no query."""
    now = timezone.now()
    return [
        {
            "id": t.pk,
            "state": t.state,
            "reason": t.reason,
            "source": {"kind": t.source_kind, "id": t.source_id},
            "score": t.score,
            "comment": t.comment,
            "sentiment": t.sentiment_score,
            "sentiment_drivers": t.sentiment_drivers,
            "customer": {"id": t.customer.pk, "name": t.customer.name, "email": t.customer.email},
            "conversation_id": t.conversation_id,
            "inbox_id": t.inbox_id,
            "agent": ref(t.agent),
            "owner": ref(t.owner),
            "due_at": t.due_at,
            "overdue": t.is_open and t.due_at < now,
            "outcome": t.outcome or None,
            "note": t.note,
            "closed_by": ref(t.closed_by),
            "closed_at": t.closed_at,
            "created_at": t.created_at,
        }
        for t in tasks
    ]


@router.get("/recovery-tasks", response={200: RecoveryTaskPage, **ERRORS})
def list_recovery_tasks(request: HttpRequest, filters: Query[RecoveryFilterIn]):
    """The caller's recovery tasks (`owner=me`, the default), or everyone's (`owner=anyone`,
    leads and admins), open ones by due time (overdue first), closed ones newest first."""
    actor = caller(request)
    page = recovery_task_page(
        actor=actor,
        filters=RecoveryFilters(
            state=filters.state,
            owner=str(filters.owner),
            inbox_id=filters.inbox_id,
            reason=filters.reason,
            overdue=filters.overdue,
            conversation_id=filters.conversation_id,
        ),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": recovery_tasks_out(page.items), "next_cursor": page.next_cursor}


@router.get("/recovery-tasks/{task_id}", response={200: RecoveryTaskOut, **ERRORS})
def get_recovery_task(request: HttpRequest, task_id: Path[Id]):
    return recovery_tasks_out([access_recovery_task(actor=caller(request), task_id=task_id)])[0]


@router.post("/recovery-tasks/{task_id}/close", response={200: RecoveryTaskOut, **ERRORS})
def close_recovery_task(request: HttpRequest, task_id: Path[Id], payload: RecoveryCloseIn):
    """Record the outcome (required) and a note. A closed task cannot be closed again (400)."""
    actor = caller(request)
    task = access_recovery_task(actor=actor, task_id=task_id)
    recovery_close(task=task, actor=actor, outcome=payload.outcome, note=payload.note)
    return recovery_tasks_out([access_recovery_task(actor=actor, task_id=task_id)])[0]


@router.post("/recovery-tasks/{task_id}/reassign", response={200: RecoveryTaskOut, **ERRORS})
def reassign_recovery_task(request: HttpRequest, task_id: Path[Id], payload: RecoveryReassignIn):
    """Give an open task to another active agent (`null`: nobody)."""
    actor = caller(request)
    task = access_recovery_task(actor=actor, task_id=task_id)
    owner = None
    if payload.owner_id is not None:
        owner = Agent.objects.filter(pk=payload.owner_id).first()
        if owner is None:
            raise InvalidInput(_("That agent does not exist."))
    recovery_reassign(task=task, actor=actor, owner=owner)
    return recovery_tasks_out([access_recovery_task(actor=actor, task_id=task_id)])[0]
