"""A review and a scorecard as plain data: the API's shape and the webhooks' payload."""

from carefront.conversations.representations import ref

from .models import Review, ReviewScore, Scorecard, ScorecardVersion


def review_data(review: Review, scores: list[ReviewScore] | None = None) -> dict:
    """Expects agent, reviewer and version__scorecard selected; `scores` with their categories
    (left out of list rows)."""
    data = {
        "id": review.pk,
        "conversation_id": review.conversation_id,
        "agent": ref(review.agent),
        "reviewer": ref(review.reviewer),
        "scorecard": {
            "id": review.version.scorecard_id,
            "name": review.version.scorecard.name,
            "version": review.version.number,
            "scale": review.version.scale,
        },
        "score": float(review.score) if review.score is not None else None,
        "failed": review.failed,
        "comment": review.comment,
        "state": review.state,
        "agent_reply": review.agent_reply,
        "dispute_reason": review.dispute_reason,
        "disputed_at": review.disputed_at,
        "resolution": review.resolution,
        "resolved_at": review.resolved_at,
        "created_at": review.created_at,
    }
    if scores is not None:
        data["scores"] = [
            {
                "category_id": s.category_id,
                "key": s.category.key,
                "name": s.category.name,
                "weight": s.category.weight,
                "critical": s.category.is_critical,
                "value": s.value,
                "comment": s.comment,
                "prefill": s.prefill,
            }
            for s in scores
        ]
    return data


def scorecard_data(scorecard: Scorecard, version: ScorecardVersion) -> dict:
    """Expects the version's categories prefetched."""
    return {
        "id": scorecard.pk,
        "name": scorecard.name,
        "description": scorecard.description,
        "active": scorecard.is_active,
        "version": version.number,
        "version_id": version.pk,
        "scale": version.scale,
        "categories": [
            {
                "id": c.pk,
                "key": c.key,
                "name": c.name,
                "description": c.description,
                "weight": c.weight,
                "critical": c.is_critical,
                "behaviour": c.behaviour or None,
            }
            for c in version.categories.all()
        ],
    }
