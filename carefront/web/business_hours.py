"""The "outside business hours" notices of the inbox and conversation pages: which calendar
applies (inbox, else team), whether it is closed now, and when it opens, in the viewer's words
and time zone. Calendars come from the sla selectors' cache: no query per page once warm."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from carefront.sla.selectors import CalendarDirectory, business_hours_state, calendar_directory


@dataclass(frozen=True)
class ClosedNotice:
    name: str  # the inbox or team it concerns ("" when the page is about one conversation)
    opens_at: datetime | None
    back: str  # "back Monday at 9 a.m."

    @property
    def back_html(self) -> SafeString | str:
        """The text in a `<time>` element (the instant, machine-readable), when there is one."""
        if self.opens_at is None:
            return self.back
        return format_html('<time datetime="{}">{}</time>', self.opens_at.isoformat(), self.back)


def back_text(opens_at: datetime | None, now: datetime) -> str:
    """When it opens again, in the viewer's time zone: today's time, a weekday within the
    week, else the date."""
    if opens_at is None:
        return _("no opening hours ahead")
    local, today = timezone.localtime(opens_at), timezone.localtime(now).date()
    at = formats.time_format(local, "TIME_FORMAT")
    if local.date() == today:
        return _("back at %(time)s") % {"time": at}
    if local.date() == today + timedelta(days=1):
        return _("back tomorrow at %(time)s") % {"time": at}
    if local.date() < today + timedelta(days=7):
        return _("back %(weekday)s at %(time)s") % {
            "weekday": formats.date_format(local, "l"),
            "time": at,
        }
    return _("back %(date)s") % {"date": formats.date_format(local, "DATETIME_FORMAT")}


def _notice(
    name: str,
    inbox_id: int | None,
    team_id: int | None,
    now: datetime,
    directory: CalendarDirectory | None = None,
) -> ClosedNotice | None:
    closed = business_hours_state(inbox_id=inbox_id, team_id=team_id, now=now, directory=directory)
    if closed is None:
        return None
    return ClosedNotice(name=name, opens_at=closed.opens_at, back=back_text(closed.opens_at, now))


def conversation_notice(conversation) -> ClosedNotice | None:
    return _notice("", conversation.inbox_id, conversation.team_id, timezone.now())


def inbox_notices(
    *, inbox_id: int | None, team_id: int | None, inboxes, teams
) -> list[ClosedNotice]:
    """For the inbox or team filter in use; without one, for every inbox the viewer sees."""
    now = timezone.now()
    if inbox_id is not None:
        chosen = [(c.name, c.pk, None) for c in inboxes if c.pk == inbox_id]
    elif team_id is not None:
        chosen = [(c.name, None, c.pk) for c in teams if c.pk == team_id]
    else:
        chosen = [(c.name, c.pk, None) for c in inboxes]
    directory = calendar_directory()
    if not directory.schedules:
        return []
    return [n for name, i, t in chosen if (n := _notice(name, i, t, now, directory)) is not None]
