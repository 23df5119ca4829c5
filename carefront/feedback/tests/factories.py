"""Build surveys and ratings the way production does: through the services and events."""

from django.test import TestCase

from carefront.conversations.models import Conversation
from carefront.conversations.services import conversation_assign, conversation_set_status
from carefront.conversations.tests.factories import conversation_for
from carefront.feedback import tokens
from carefront.feedback.models import Rating, Survey, SurveyStatus
from carefront.feedback.services import rating_record
from carefront.inboxes.models import Inbox


def after_commit():
    """Run the after-commit callbacks (events, tasks) inside the test's transaction."""
    return TestCase.captureOnCommitCallbacks(execute=True)


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
