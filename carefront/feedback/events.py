"""Typed events of the feedback app, published after commit."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RatingReceived:
    """A customer rated a conversation, or changed their rating (`previous_score` set)."""

    rating_id: int
    conversation_id: int
    score: str
    previous_score: str | None = None


@dataclass(frozen=True, slots=True)
class NpsAnswered:
    """A customer answered an NPS invitation (0-10), or changed their answer (`previous_score`
    set). Detractors (0-6) are for recovery; comments for the feedback inbox."""

    response_id: int
    campaign_id: int
    customer_id: int
    score: int
    comment: str
    previous_score: int | None = None


@dataclass(frozen=True, slots=True)
class RecoveryOpened:
    """A recovery task was opened for a bad experience (a "not good" rating, a negative
    comment, an NPS detractor). `owner_id` is None when nobody could be chosen."""

    recovery_task_id: int
    source_kind: str
    source_id: int
    reason: str
    customer_id: int
    conversation_id: int | None
    owner_id: int | None


@dataclass(frozen=True, slots=True)
class RecoveryReassigned:
    recovery_task_id: int
    conversation_id: int | None
    old_owner_id: int | None
    owner_id: int | None


@dataclass(frozen=True, slots=True)
class RecoveryOverdue:
    """A recovery task is still open at its due time (published once per task): for a
    reminder to the owner, or an escalation."""

    recovery_task_id: int
    conversation_id: int | None
    owner_id: int | None


@dataclass(frozen=True, slots=True)
class RecoveryClosed:
    """The owner (or a lead) recorded the outcome of a recovery task."""

    recovery_task_id: int
    conversation_id: int | None
    outcome: str
    closed_by_id: int


@dataclass(frozen=True, slots=True)
class PraiseReceived:
    """A customer praised an agent (a "great" rating with a comment, or thanks by name)."""

    praise_id: int
    agent_id: int
    source: str
    conversation_id: int


@dataclass(frozen=True, slots=True)
class ImprovementShipped:
    """A lead marked an improvement shipped: its linked customers are being told (published
    once per improvement)."""

    improvement_id: int
    shipped_by_id: int
    customers_linked: int
