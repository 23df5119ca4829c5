from .calendars import (
    BusinessCalendar,
    CalendarClosure,
    InboxCalendar,
    OpeningInterval,
    TeamCalendar,
)
from .followups import OUTSTANDING, FollowUp, FollowUpState
from .policies import (
    ACTIVE_STATES,
    EscalateWhen,
    Requester,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TargetState,
    TimeBasis,
)

__all__ = [
    "ACTIVE_STATES",
    "OUTSTANDING",
    "BusinessCalendar",
    "CalendarClosure",
    "EscalateWhen",
    "FollowUp",
    "FollowUpState",
    "InboxCalendar",
    "OpeningInterval",
    "Requester",
    "SlaPolicy",
    "SlaTarget",
    "TargetKind",
    "TargetState",
    "TeamCalendar",
    "TimeBasis",
]
