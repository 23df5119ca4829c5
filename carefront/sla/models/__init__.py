from .calendars import (
    BusinessCalendar,
    CalendarClosure,
    InboxCalendar,
    OpeningInterval,
    TeamCalendar,
)

__all__ = [
    "BusinessCalendar",
    "CalendarClosure",
    "InboxCalendar",
    "OpeningInterval",
    "TeamCalendar",
]
