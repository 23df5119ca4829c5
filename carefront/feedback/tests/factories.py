"""Build surveys, ratings and NPS campaigns the way production does: through the services and
events."""

import datetime as dt

from django.test import TestCase

from carefront.conversations.models import Conversation
from carefront.conversations.services import conversation_assign, conversation_set_status
from carefront.conversations.tests.factories import conversation_for
from carefront.customers.models import Customer
from carefront.customers.services import (
    customer_create,
    customer_get_or_create_by_email,
    customer_update,
)
from carefront.feedback import tokens
from carefront.feedback.models import (
    InvitationStatus,
    NpsCampaign,
    NpsInvitation,
    Rating,
    Survey,
    SurveyStatus,
)
from carefront.feedback.services import nps_campaign_create, nps_campaign_start, rating_record
from carefront.inboxes.models import Inbox


def after_commit():
    """Run the after-commit callbacks (events, tasks) inside the test's transaction."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def without_survey_throttle(settings) -> None:
    """For tests that rate several conversations of one customer within minutes: the throttle
    (nobody asked twice in 90 days, tested in test_nps.py) would stop all surveys but the
    first."""
    settings.CAREFRONT = {**settings.CAREFRONT, "SURVEY_THROTTLE_DAYS": 0}


def set_status(conversation: Conversation, status: str, actor) -> None:
    with after_commit():
        conversation_set_status(conversation=conversation, status=status, actor=actor)


def sent_survey(inbox: Inbox, agent, **receive) -> tuple[Survey, str]:
    """A conversation assigned to `agent`, solved, and its survey sent at once (delay 0).
    Returns the survey and the token of its links."""
    Inbox.objects.filter(pk=inbox.pk).update(rating_delay_minutes=0)
    receive.setdefault("from_address", "ana@example.com")
    receive.setdefault("from_name", "Ana Lima")
    receive.setdefault("subject", "Where is my parcel?")
    conversation = conversation_for(inbox, **receive)
    conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    set_status(conversation, "solved", agent)
    survey = Survey.objects.get(conversation=conversation)
    assert survey.status == SurveyStatus.SENT, survey.last_error
    return survey, tokens.survey_token(survey.token_salt)


def rated(inbox: Inbox, agent, score: str = "great", comment: str = "", **receive) -> Rating:
    survey, _token = sent_survey(inbox, agent, **receive)
    with after_commit():
        return rating_record(survey=survey, score=score, comment=comment)


class Clock:
    """Frozen time for a test: `django.utils.timezone.now` answers `clock.now` (what
    auto_now fields, services and the mail's Date header read) until moved."""

    def __init__(self, monkeypatch, start: dt.datetime) -> None:
        self.now = start
        monkeypatch.setattr("django.utils.timezone.now", lambda: self.now)

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


# A Tuesday, so weeks are easy to reason about: the week of 2026-03-02 (Monday).
START = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)


def nps_customer(email: str, **attributes) -> Customer:
    return customer_create(email=email, name=email.split("@")[0].title(), attributes=attributes)


def nps_campaign(admin, inbox: Inbox, **fields) -> NpsCampaign:
    fields.setdefault("name", "Spring NPS")
    return nps_campaign_create(actor=admin, sender_inbox=inbox, **fields)


def run_campaign(admin, campaign: NpsCampaign) -> NpsCampaign:
    """Send it as the admin's button does, with the task run at once (the immediate backend)."""
    with after_commit():
        nps_campaign_start(actor=admin, campaign=campaign)
    campaign.refresh_from_db()
    return campaign


def sent_invitation(
    admin, inbox: Inbox, email: str = "nina@example.com"
) -> tuple[NpsInvitation, str]:
    """A campaign to the customer with this address (created if new) alone, sent. Returns the
    invitation and its link's token."""
    customer, _created = customer_get_or_create_by_email(email=email)
    tag = f"only-{customer.pk}"
    customer_update(customer=customer, changes={}, attributes={"nps_test": tag})
    campaign = nps_campaign(
        admin, inbox, name=f"NPS for {email}", segment_attribute="nps_test", segment_value=tag
    )
    campaign = run_campaign(admin, campaign)
    invitation = NpsInvitation.objects.get(campaign=campaign, customer=customer)
    assert invitation.status == InvitationStatus.SENT, invitation.last_error
    return invitation, tokens.nps_token(invitation.token_salt)


_next_source_id = iter(range(1, 10**9))


def comment(text: str, *, customer=None, sentiment: int = -1, **fields):
    """A feedback comment recorded through the service, as the NPS survey would (source
    "nps"), with a fresh source id."""
    from django.utils import timezone

    from carefront.customers.tests.factories import CustomerFactory
    from carefront.feedback.services import feedback_comment_record

    customer = customer or CustomerFactory()
    fields.setdefault("created_at", timezone.now())
    with after_commit():
        return feedback_comment_record(
            source=fields.pop("source", "nps"),
            source_id=next(_next_source_id),
            text=text,
            sentiment=sentiment,
            customer_id=customer.pk,
            **fields,
        )
