"""The text of an acknowledgement, in the customer's language and time zone: "We'll reply by
Tuesday 10:00." Customer-facing (translated in carefront/locale, `make messages-update`)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

# Further away than this, the date is said too ("Tuesday, 15 December").
WEEKDAY_ONLY_DAYS = 6


def _parts(at: dt.datetime, today: dt.date) -> tuple[int, dict[str, str]]:
    """How far the day is from today (0: today, 1: tomorrow, 2: this week, 3: later) and the
    words for it, in the active language."""
    day = at.date()
    words = {
        "time": formats.time_format(at, "TIME_FORMAT"),
        "weekday": str(WEEKDAYS[day.weekday()]),
        "date": formats.date_format(at, "MONTH_DAY_FORMAT"),
    }
    delta = (day - today).days
    if delta <= 0:
        return 0, words
    if delta == 1:
        return 1, words
    return (2 if delta <= WEEKDAY_ONLY_DAYS else 3), words


def reply_by_sentence(at: dt.datetime, today: dt.date) -> str:
    """`at` in the customer's time zone; `today` the customer's date."""
    case, words = _parts(at, today)
    if case == 0:
        return _("We'll reply by %(time)s today.") % words
    if case == 1:
        return _("We'll reply by %(time)s tomorrow.") % words
    if case == 2:
        return _("We'll reply by %(weekday)s %(time)s.") % words
    return _("We'll reply by %(weekday)s, %(date)s, %(time)s.") % words


def back_sentence(at: dt.datetime, today: dt.date) -> str:
    """Outside business hours: when the team is back."""
    case, words = _parts(at, today)
    if case == 0:
        return _("Our team is away right now and back at %(time)s today.") % words
    if case == 1:
        return _("Our team is away right now and back tomorrow at %(time)s.") % words
    if case == 2:
        return _("Our team is away right now and back on %(weekday)s at %(time)s.") % words
    return _("Our team is away right now and back on %(weekday)s, %(date)s, at %(time)s.") % words


def acknowledgement_body(
    *,
    language: str,
    time_zone: str,
    zone_is_customers: bool,
    now: dt.datetime,
    promised_at: dt.datetime,
    opens_at: dt.datetime | None,
    customer_name: str,
    team_name: str,
) -> str:
    """The whole message. `opens_at`: set when the team is away now. `zone_is_customers`:
    False when the times are in the inbox's zone (the customer's is unknown): then say which."""
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    with translation.override(language):
        greeting = _("Hello %(name)s,") % {"name": customer_name} if customer_name else _("Hello,")
        lines = [_("Thank you for your message. It has reached us, and a person will answer it.")]
        lines.append(reply_by_sentence(promised_at.astimezone(zone), today))
        if opens_at is not None:
            lines.append(back_sentence(opens_at.astimezone(zone), today))
        if not zone_is_customers:
            lines.append(_("Times are in the %(zone)s time zone.") % {"zone": time_zone})
        closing = _(
            "If you have anything to add, just reply: it joins your request. "
            "This message was sent automatically."
        )
        return f"{greeting}\n\n{' '.join(lines)}\n\n{closing}\n\n{team_name}"
