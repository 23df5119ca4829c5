"""Quality data as plain dicts: auto-QA marks (the API and the `qa.reply_checked` webhook),
reviews and scorecards (the API's shape and the review webhooks' payload)."""

from carefront.conversations.representations import ref

from .behaviours import Behaviour
from .models import QaMark, Review, ReviewScore, Scorecard, ScorecardVersion


def mark_repr(mark: QaMark) -> dict:
    """Expects `agent` and `team` loaded (no query)."""
    return {
        "id": mark.pk,
        "message_id": mark.message_id,
        "conversation_id": mark.conversation_id,
        "agent": ref(mark.agent),
        "team": ref(mark.team),
        "behaviour": mark.behaviour,
        "outcome": mark.outcome,
        "evidence": mark.evidence,
        "hint": mark.hint,
        "language": mark.language,
        "version": mark.version,
        "replied_at": mark.replied_at,
        "checked_at": mark.checked_at,
    }


def reply_marks_payload(message_id: int) -> dict | None:
    """One checked reply and its current marks (None: not checked, or gone)."""
    order = {b: i for i, b in enumerate(Behaviour.values)}
    marks = sorted(
        QaMark.objects.filter(message_id=message_id, is_current=True).select_related(
            "agent", "team"
        ),
        key=lambda m: order.get(m.behaviour, len(order)),
    )
    if not marks:
        return None
    first = marks[0]
    return {
        "message_id": message_id,
        "conversation_id": first.conversation_id,
        "agent": ref(first.agent),
        "team": ref(first.team),
        "language": first.language,
        "version": first.version,
        "replied_at": first.replied_at.isoformat(),
        "marks": [
            {"behaviour": m.behaviour, "outcome": m.outcome, "evidence": m.evidence, "hint": m.hint}
            for m in marks
        ],
    }


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
