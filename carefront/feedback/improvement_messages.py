"""The "you said, we did" message a customer gets when an improvement they asked for ships:
written in their language, quoting what they told us and when, with the opt-out link.
Customer-facing text (listed in `customer_messages`)."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from carefront.conversations.language import customer_language
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox

from . import tokens
from .models import Improvement

MAX_QUOTE_LENGTH = 300


def improvement_optout_url(customer_id: int) -> str:
    base = settings.CAREFRONT.get("BASE_URL", "")
    token = tokens.improvement_optout_token(customer_id)
    return f"{base}{reverse('web:improvement_optout', args=[token])}"


def _quote(text: str) -> str:
    text = " ".join((text or "").split())
    if len(text) > MAX_QUOTE_LENGTH:
        text = text[: MAX_QUOTE_LENGTH - 1].rstrip() + "…"
    return text


def _local_date(moment: dt.datetime, customer: Customer) -> str:
    """The day in the customer's time zone (the site's without one), as their language
    writes dates ("3 March 2026", "3. März 2026")."""
    try:
        zone = zoneinfo.ZoneInfo(customer.time_zone) if customer.time_zone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    local = timezone.localtime(moment, zone) if zone else timezone.localtime(moment)
    return formats.date_format(local, "DATE_FORMAT")


def improvement_notice_text(
    *,
    improvement: Improvement,
    customer: Customer,
    inbox: Inbox,
    said_text: str,
    said_at: dt.datetime,
) -> tuple[str, str]:
    """(subject for a new conversation, body): "You told us X on 3 March; we have changed Y"."""
    language = customer_language(customer=customer, inbox=inbox)
    with translation.override(language):
        # The name they gave; not the part of their address before the @.
        name = customer.name.split()[0] if customer.name.strip() else ""
        greeting = _("Hello %(name)s,") % {"name": name} if name else _("Hello,")
        date = _local_date(said_at, customer)
        quote = _quote(said_text)
        if quote:
            said = _("On %(date)s you told us: “%(quote)s”") % {"date": date, "quote": quote}
        else:
            said = _("On %(date)s you wrote to us about this.") % {"date": date}
        changed = (improvement.customer_message or improvement.title).strip()
        company = inbox.from_name or inbox.name
        lines = [
            greeting,
            "",
            said,
            "",
            _("We have changed this:"),
            changed,
            "",
            _("Thank you for telling us: it helped us do better for everyone."),
            "",
            company,
            "",
            "-- ",
            _(
                "You are getting this because you told us about it. Rather not hear about "
                "changes we make? %(url)s"
            )
            % {"url": improvement_optout_url(customer.pk)},
        ]
        subject = _("You asked, we changed it: %(title)s") % {"title": improvement.title}
    return subject, "\n".join(lines)
