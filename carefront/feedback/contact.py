"""Who may be asked for feedback now: the rules every survey (CSAT) and NPS invitation obeys.

Nobody is asked more than once per `SURVEY_THROTTLE_DAYS` (90 by default) across CSAT and NPS,
and nobody who opted out (the unsubscribe link in every survey email) is asked at all. A send
in progress counts as asked. Senders check under the customer's row lock
(`customer_lock_for_contact`), so a CSAT survey and an NPS invitation sent at the same moment
cannot both go out.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from carefront.customers.models import Customer

from .models import InvitationStatus, NpsInvitation, Survey, SurveyStatus

DEFAULT_THROTTLE_DAYS = 90


def throttle_window() -> dt.timedelta:
    """0 days turns the throttle off."""
    return dt.timedelta(days=settings.CAREFRONT.get("SURVEY_THROTTLE_DAYS", DEFAULT_THROTTLE_DAYS))


def _surveys_asking(now: dt.datetime) -> QuerySet[Survey]:
    since = now - throttle_window()
    return Survey.objects.filter(
        Q(status=SurveyStatus.SENT, sent_at__gt=since) | Q(status=SurveyStatus.SENDING)
    )


def _invitations_asking(now: dt.datetime) -> QuerySet[NpsInvitation]:
    since = now - throttle_window()
    return NpsInvitation.objects.filter(
        Q(status=InvitationStatus.SENT, sent_at__gt=since) | Q(status=InvitationStatus.SENDING)
    )


def recently_asked(now: dt.datetime) -> Q:
    """A filter on customers: asked (CSAT or NPS) within the throttle window, or being asked."""
    if not throttle_window():
        return Q(pk__in=[])
    customer = OuterRef("pk")
    return Q(Exists(_surveys_asking(now).filter(customer=customer))) | Q(
        Exists(_invitations_asking(now).filter(customer=customer))
    )


def recently_asked_in(now: dt.datetime) -> Q:
    """`recently_asked` as two uncorrelated IN sets: the database builds each set once, which is
    faster over a whole segment (the preview: 0.2 s instead of 0.5 s at 100,000 customers on
    SQLite), while EXISTS is faster for a batch of 500 (bench/nps_campaign.py)."""
    if not throttle_window():
        return Q(pk__in=[])
    return Q(pk__in=_surveys_asking(now).values("customer_id")) | Q(
        pk__in=_invitations_asking(now).values("customer_id")
    )


def why_not_ask(
    *,
    customer: Customer,
    now: dt.datetime,
    survey_id: int | None = None,
    invitation_id: int | None = None,
) -> str:
    """Empty when the customer may be asked now; otherwise why not (for the logs and the
    skipped invitation). `survey_id` / `invitation_id`: the request being sent, which does not
    count against itself."""
    if customer.surveys_opted_out_at is not None:
        return "the customer opted out of surveys"
    if not throttle_window():
        return ""
    surveys = _surveys_asking(now).filter(customer=customer)
    if survey_id is not None:
        surveys = surveys.exclude(pk=survey_id)
    invitations = _invitations_asking(now).filter(customer=customer)
    if invitation_id is not None:
        invitations = invitations.exclude(pk=invitation_id)
    if surveys.exists() or invitations.exists():
        days = throttle_window().days
        return f"the customer was asked for feedback within the last {days} days"
    return ""
