"""Training, kudos and the pulse survey (docs/quality.md): agents see their own training and
answer the pulse; leads publish training and read pulse aggregates of the teams they lead."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status

from carefront.conversations.representations import ref
from carefront.quality.models import Kudos, TrainingItem
from carefront.quality.selectors_people import (
    MIN_GROUP,
    access_training_item,
    kudos_page,
    pulse_results,
    training_for_agent,
    training_item_status,
    training_items_page,
)
from carefront.quality.services.kudos import kudos_give
from carefront.quality.services.pulse import pulse_answer, pulse_has_answered, pulse_round_current
from carefront.quality.services.training import training_acknowledge, training_publish

from ..auth import caller
from ..schemas import ErrorOut, Id, PageIn, ValidationErrorOut
from ..schemas_people import (
    KudosFilterIn,
    KudosIn,
    KudosOut,
    KudosPage,
    MyTrainingOut,
    PulseAnswerIn,
    PulseResultsOut,
    PulseStatusOut,
    TrainingIn,
    TrainingItemOut,
    TrainingPage,
    TrainingStatusOut,
)

router = Router(tags=["training, recognition, wellbeing"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _item(item: TrainingItem, *, teams: list | None = None) -> dict:
    return {
        "id": item.pk,
        "title": item.title,
        "url": item.url,
        "notes": item.notes,
        "due_at": item.due_at,
        "overdue": item.due_at < timezone.now(),
        "created_at": item.created_at,
        "teams": [ref(t) for t in (teams if teams is not None else item.teams.all())],
    }


@router.get("/training/mine", response={200: MyTrainingOut, **ERRORS})
def my_training(request: HttpRequest):
    """The caller's open training items (soonest due first) and the latest done."""
    open_items, done = training_for_agent(actor=caller(request))
    return {
        "open": [{"item": _item(a.item, teams=[]), "acknowledged_at": None} for a in open_items],
        "done": [
            {"item": _item(a.item, teams=[]), "acknowledged_at": a.acknowledged_at} for a in done
        ],
    }


@router.get("/training", response={200: TrainingPage, **ERRORS})
def list_training(request: HttpRequest, page: Query[PageIn]):
    """Leads and admins: items published to the teams they lead, newest first, with counts."""
    result = training_items_page(actor=caller(request), cursor=page.cursor, limit=page.limit)
    items = TrainingItem.teams.through.objects.filter(
        trainingitem_id__in=[i.pk for i in result.items]
    ).select_related("team")
    teams: dict[int, list] = {i.pk: [] for i in result.items}
    for link in items:
        teams[link.trainingitem_id].append(link.team)
    return {
        "items": [
            {
                **_item(i, teams=teams[i.pk]),
                "acknowledged": i.acknowledged,
                "not_acknowledged": i.not_acknowledged,
            }
            for i in result.items
        ],
        "next_cursor": result.next_cursor,
    }


@router.post("/training", response={201: TrainingItemOut, **ERRORS})
def publish_training(request: HttpRequest, payload: TrainingIn):
    """Leads and admins: publish to teams they lead; every member is notified."""
    item = training_publish(
        actor=caller(request),
        title=payload.title,
        url=payload.url,
        notes=payload.notes,
        due_at=payload.due_at,
        team_ids=list(payload.team_ids),
    )
    return Status(201, _item(item))


@router.get("/training/{item_id}", response={200: TrainingStatusOut, **ERRORS})
def get_training(request: HttpRequest, item_id: Path[Id]):
    """Leads: the item and who has and has not acknowledged it. Agents: the item only."""
    actor = caller(request)
    if actor.sees_all_inboxes:
        item, assignments = training_item_status(actor=actor, item_id=item_id)
        members = [
            {"agent": ref(a.agent), "acknowledged_at": a.acknowledged_at, "overdue": a.is_overdue}
            for a in assignments
        ]
    else:
        item, members = access_training_item(actor=actor, item_id=item_id), []
    return {"item": _item(item), "members": members}


@router.post("/training/{item_id}/acknowledge", response={200: TrainingStatusOut, **ERRORS})
def acknowledge_training(request: HttpRequest, item_id: Path[Id]):
    """Mark an item assigned to the caller as done (again: no change)."""
    actor = caller(request)
    assignment = training_acknowledge(actor=actor, item_id=item_id)
    return {"item": _item(assignment.item), "members": []}


def _kudos(k: Kudos) -> dict:
    return {
        "id": k.pk,
        "giver": ref(k.giver),
        "receiver": ref(k.receiver),
        "message": k.message,
        "conversation_id": k.conversation_id,
        "created_at": k.created_at,
    }


@router.get("/kudos", response={200: KudosPage, **ERRORS})
def list_kudos(request: HttpRequest, filters: Query[KudosFilterIn]):
    """Kudos the caller may read (their own, their teams'; leads and admins: all), newest
    first."""
    rows, next_cursor = kudos_page(
        actor=caller(request),
        receiver_id=filters.receiver_id,
        team_id=filters.team_id,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [_kudos(k) for k in rows], "next_cursor": next_cursor}


@router.post("/kudos", response={201: KudosOut, **ERRORS})
def give_kudos(request: HttpRequest, payload: KudosIn):
    """Thank a colleague, optionally about a conversation you can see."""
    kudos = kudos_give(
        actor=caller(request),
        receiver_id=payload.receiver_id,
        message=payload.message,
        conversation_id=payload.conversation_id,
    )
    return Status(201, _kudos(Kudos.objects.select_related("giver", "receiver").get(pk=kudos.pk)))


@router.get("/pulse", response={200: PulseStatusOut, **ERRORS})
def pulse_status(request: HttpRequest):
    """The open round, and whether the caller has answered it."""
    pulse_round = pulse_round_current()
    return {
        "round_starts_on": pulse_round.starts_on,
        "round_ends_on": pulse_round.ends_on,
        "answered": pulse_has_answered(actor=caller(request)),
    }


@router.post("/pulse/answers", response={204: None, **ERRORS})
def answer_pulse(request: HttpRequest, payload: PulseAnswerIn):
    """Answer the open round, once, anonymously: nothing identifies the answer afterwards,
    not even for the caller."""
    pulse_answer(
        actor=caller(request),
        team_id=payload.team_id,
        feeling=payload.feeling,
        workload=payload.workload,
        support=payload.support,
        enps=payload.enps,
        comment=payload.comment,
    )
    return Status(204, None)


@router.get("/teams/{team_id}/pulse", response={200: PulseResultsOut, **ERRORS})
def team_pulse(request: HttpRequest, team_id: Path[Id]):
    """Leads of the team and admins: the latest closed rounds' aggregates next to the team's
    CSAT. Rounds with fewer than 5 answers give the count only."""
    team, results = pulse_results(actor=caller(request), team_id=team_id)
    return {
        "team": ref(team),
        "min_group": MIN_GROUP,
        "rounds": [
            {
                "round_starts_on": r.period_start,
                "round_ends_on": r.round.ends_on,
                "answers": r.answers,
                "shown": r.shown,
                "feeling": r.feeling,
                "workload": r.workload,
                "support": r.support,
                "enps": r.enps,
                "comments": r.comments,
                "csat_great_percent": r.csat,
                "ratings": r.ratings,
            }
            for r in results
        ],
    }
