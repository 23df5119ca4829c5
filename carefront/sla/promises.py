"""The sentence that tells a customer when an agent will come back to them ("I'll get back to
you by Friday, 5 December 2026, 09:00."), in the customer's language and time zone. Customer-
facing text: translated in carefront/locale (`make messages-update`)."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from carefront.conversations.models import Conversation
from carefront.core.i18n import first_supported_language


def promise_language(conversation: Conversation) -> str:
    """The customer's language if Carefront writes it, else the inbox's default, else the
    site's."""
    return first_supported_language(
        conversation.customer.language, conversation.inbox.default_language
    )


def promise_time_zone(conversation: Conversation) -> tuple[str, bool]:
    """The time zone to state the time in, and whether it is the customer's own (else the
    inbox's business calendar, else the site's, and the sentence names it)."""
    own = conversation.customer.time_zone
    if own and own in zoneinfo.available_timezones():
        return own, True
    from .selectors import calendar_directory

    schedule = calendar_directory().schedule_for(
        inbox_id=conversation.inbox_id, team_id=conversation.team_id
    )
    if schedule is not None and schedule.time_zone:
        return str(schedule.time_zone), False
    return settings.TIME_ZONE, False


def promise_text(*, due_at: dt.datetime, language: str, time_zone: str, name_zone: bool) -> str:
    """The promise for `due_at`, written in `language`, the time shown in `time_zone`."""
    local = due_at.astimezone(zoneinfo.ZoneInfo(time_zone))
    with translation.override(language):
        when = "{}, {}".format(
            formats.date_format(local, "l"), formats.date_format(local, "DATETIME_FORMAT")
        )
        if name_zone:
            when = _("%(when)s (%(time_zone)s time)") % {"when": when, "time_zone": time_zone}
        text = _("I will get back to you by %(when)s.") % {"when": when}
    # "9 a.m." at the end of a sentence takes no second full stop.
    return text[:-1] if text.endswith("..") else text


def conversation_promise_text(*, conversation: Conversation, due_at: dt.datetime) -> str:
    """The promise for this conversation's customer."""
    time_zone, own = promise_time_zone(conversation)
    return promise_text(
        due_at=due_at,
        language=promise_language(conversation),
        time_zone=time_zone,
        name_zone=not own,
    )
