from .acknowledgements import (
    Acknowledgement,
    AcknowledgementOutcome,
    EstimateSource,
    FirstReplyTime,
)
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
    "Acknowledgement",
    "AcknowledgementOutcome",
    "BusinessCalendar",
    "CalendarClosure",
    "EscalateWhen",
    "EstimateSource",
    "FirstReplyTime",
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
