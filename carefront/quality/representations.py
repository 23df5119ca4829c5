"""Auto-QA marks as plain data, for the API and the `qa.reply_checked` webhook."""

from carefront.conversations.representations import ref

from .behaviours import Behaviour
from .models import QaMark


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
