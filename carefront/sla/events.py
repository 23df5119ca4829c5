"""Typed events the SLA app publishes (after commit) for other apps to react to: notifications,
webhooks, insights."""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SlaTargetAtRisk:
    """A running target entered its "at risk" window. `notify`: the policy asks that the
    assignee and the team's leads be told."""

    target_id: int
    conversation_id: int
    kind: str  # TargetKind value: "first_reply", "next_reply", "resolution"
    due_at: dt.datetime
    policy_id: int | None
    notify: bool


@dataclass(frozen=True, slots=True)
class SlaTargetBreached:
    """A target's due time passed before it was met. Published once per target."""

    target_id: int
    conversation_id: int
    kind: str
    due_at: dt.datetime
    policy_id: int | None
    notify: bool


@dataclass(frozen=True, slots=True)
class SlaTargetMet:
    """A target was met (possibly after its breach): `elapsed_seconds` in the target's basis."""

    target_id: int
    conversation_id: int
    kind: str
    elapsed_seconds: int
    breached: bool


@dataclass(frozen=True, slots=True)
class AcknowledgementSent:
    """The customer was told by when the team will reply (an automatic message, not an agent
    reply: no `MessageSent` is published for it)."""

    acknowledgement_id: int
    conversation_id: int
    message_id: int
    promised_at: dt.datetime


@dataclass(frozen=True, slots=True)
class FollowUpCreated:
    """An agent promised to come back to the customer by `due_at`; `owner_id` owns it."""

    follow_up_id: int
    conversation_id: int
    owner_id: int
    due_at: dt.datetime


@dataclass(frozen=True, slots=True)
class FollowUpKept:
    """A promise was kept: an agent's reply was sent by the due time (`message_id`), or the
    owner marked it done (`message_id` None)."""

    follow_up_id: int
    conversation_id: int
    owner_id: int
    message_id: int | None


@dataclass(frozen=True, slots=True)
class FollowUpBroken:
    """A promise's due time passed before it was kept: a breach. Published once per promise,
    when it comes due; the conversation is then open again and assigned to `owner_id`."""

    follow_up_id: int
    conversation_id: int
    owner_id: int
    due_at: dt.datetime
