from .calendars import (
    ClosureInput,
    business_calendar_create,
    business_calendar_delete,
    business_calendar_update,
    parse_closures,
    parse_weekly_hours,
)

__all__ = [
    "ClosureInput",
    "business_calendar_create",
    "business_calendar_delete",
    "business_calendar_update",
    "parse_closures",
    "parse_weekly_hours",
]
