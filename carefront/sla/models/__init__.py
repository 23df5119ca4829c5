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
    "Acknowledgement",
    "AcknowledgementOutcome",
    "BusinessCalendar",
    "CalendarClosure",
    "EscalateWhen",
    "EstimateSource",
    "FirstReplyTime",
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
