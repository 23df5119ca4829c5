"""Scorecards and reviews (docs/quality.md). Everybody reads scorecards; leads and admins write
them. Reviews: an agent sees their own, a lead their teams' agents', an admin all."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_lead_or_admin
from carefront.conversations.selectors import access_conversation
from carefront.core.exceptions import InvalidInput
from carefront.quality import selectors
from carefront.quality.representations import review_data, scorecard_data
from carefront.quality.services import (
    CategoryIn,
    ScoreIn,
    review_create,
    review_dispute,
    review_reply,
    review_resolve,
    scorecard_create,
    scorecard_update,
)

from ..auth import caller
from ..schemas import ErrorOut, Id, ValidationErrorOut
from ..schemas_reviews import (
    ReviewFilterIn,
    ReviewIn,
    ReviewOut,
    ReviewPageOut,
    ReviewResolveIn,
    ReviewTextIn,
    ScorecardIn,
    ScorecardOut,
)

router = Router(tags=["quality"])

ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut,
}


def _categories(payload: ScorecardIn) -> list[CategoryIn]:
    return [
        CategoryIn(
            name=c.name,
            weight=c.weight,
            is_critical=c.critical,
            behaviour=c.behaviour,
            description=c.description,
            key=c.key,
        )
        for c in payload.categories
    ]


@router.get("/scorecards", response={200: list[ScorecardOut], **ERRORS})
def list_scorecards(request: HttpRequest, include_inactive: bool = False):
    """Scorecards (at most 200, by name) with their current version's categories."""
    caller(request)
    scorecards = selectors.scorecards_list(include_inactive=include_inactive)
    versions = selectors.current_versions(scorecard_ids=[s.pk for s in scorecards])
    return [scorecard_data(s, versions[s.pk]) for s in scorecards if s.pk in versions]


@router.get("/scorecards/{scorecard_id}", response={200: ScorecardOut, **ERRORS})
def get_scorecard(request: HttpRequest, scorecard_id: Path[Id]):
    caller(request)
    scorecard = selectors.access_scorecard(scorecard_id=scorecard_id)
    return scorecard_data(scorecard, selectors.scorecard_current_version(scorecard=scorecard))


@router.post("/scorecards", response={201: ScorecardOut, **ERRORS})
def create_scorecard(request: HttpRequest, payload: ScorecardIn):
    """Leads and admins."""
    scorecard = scorecard_create(
        actor=caller(request),
        name=payload.name,
        scale=payload.scale,
        categories=_categories(payload),
        description=payload.description,
    )
    return Status(
        201, scorecard_data(scorecard, selectors.scorecard_current_version(scorecard=scorecard))
    )


@router.put("/scorecards/{scorecard_id}", response={200: ScorecardOut, **ERRORS})
def update_scorecard(request: HttpRequest, scorecard_id: Path[Id], payload: ScorecardIn):
    """Saves a new version; reviews already made keep theirs. Leads and admins."""
    scorecard = selectors.access_scorecard(scorecard_id=scorecard_id)
    scorecard_update(
        actor=caller(request),
        scorecard=scorecard,
        name=payload.name,
        scale=payload.scale,
        categories=_categories(payload),
        description=payload.description,
        is_active=payload.active,
    )
    scorecard = selectors.access_scorecard(scorecard_id=scorecard_id)
    return scorecard_data(scorecard, selectors.scorecard_current_version(scorecard=scorecard))


def _review_out(actor: Agent, review_id: int) -> dict:
    review = selectors.access_review(actor=actor, review_id=review_id)
    return review_data(review, selectors.review_detail_scores(review=review))


@router.get("/reviews", response={200: ReviewPageOut, **ERRORS})
def list_reviews(request: HttpRequest, filters: Query[ReviewFilterIn]):
    """Reviews the caller may see, newest first (without their per-category scores)."""
    page = selectors.review_page(
        actor=caller(request),
        filters=selectors.ReviewFilters(
            agent_id=filters.agent_id, state=filters.state, mine=filters.mine
        ),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [review_data(r) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/reviews/{review_id}", response={200: ReviewOut, **ERRORS})
def get_review(request: HttpRequest, review_id: Path[Id]):
    return _review_out(caller(request), review_id)


@router.post("/reviews", response={201: ReviewOut, **ERRORS})
def create_review(request: HttpRequest, payload: ReviewIn):
    """Review an agent of the caller's teams in a conversation, against the scorecard's current
    version. Categories left out are "not applicable". The agent is notified."""
    actor = caller(request)
    require_lead_or_admin(actor)
    conversation = access_conversation(actor=actor, conversation_id=payload.conversation_id)
    agent = selectors.led_agents(actor=actor).filter(pk=payload.agent_id).first()
    if agent is None:
        raise InvalidInput(_("You may review only the agents of your teams."))
    scorecard = selectors.access_scorecard(scorecard_id=payload.scorecard_id)
    review = review_create(
        actor=actor,
        conversation=conversation,
        agent=agent,
        version=selectors.scorecard_current_version(scorecard=scorecard),
        scores=[
            ScoreIn(category_id=s.category_id, value=s.value, comment=s.comment)
            for s in payload.scores
        ],
        comment=payload.comment,
    )
    return Status(201, _review_out(actor, review.pk))


@router.post("/reviews/{review_id}/reply", response={200: ReviewOut, **ERRORS})
def reply_to_review(request: HttpRequest, review_id: Path[Id], payload: ReviewTextIn):
    """The reviewed agent's answer."""
    actor = caller(request)
    review_reply(
        actor=actor,
        review=selectors.access_review(actor=actor, review_id=review_id),
        text=payload.text,
    )
    return _review_out(actor, review_id)


@router.post("/reviews/{review_id}/dispute", response={200: ReviewOut, **ERRORS})
def dispute_review(request: HttpRequest, review_id: Path[Id], payload: ReviewTextIn):
    """The reviewed agent disputes the review (once); the reviewer is notified."""
    actor = caller(request)
    review_dispute(
        actor=actor,
        review=selectors.access_review(actor=actor, review_id=review_id),
        reason=payload.text,
    )
    return _review_out(actor, review_id)


@router.post("/reviews/{review_id}/resolve", response={200: ReviewOut, **ERRORS})
def resolve_review(request: HttpRequest, review_id: Path[Id], payload: ReviewResolveIn):
    """A lead of the agent accepts (optionally with revised scores) or rejects the dispute."""
    actor = caller(request)
    review_resolve(
        actor=actor,
        review=selectors.access_review(actor=actor, review_id=review_id),
        accept=payload.accept,
        resolution=payload.resolution,
        scores=[
            ScoreIn(category_id=s.category_id, value=s.value, comment=s.comment)
            for s in payload.scores
        ]
        if payload.scores
        else None,
    )
    return _review_out(actor, review_id)
