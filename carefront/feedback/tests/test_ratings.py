"""Recording ratings: one per survey, changed within the window, with timeline row and event."""

import datetime as dt

import pytest
from django.utils import timezone

from carefront.conversations.models import ConversationEvent, EventKind
from carefront.conversations.services import conversation_merge
from carefront.conversations.tests.factories import conversation_for
from carefront.core.events import subscribe
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.feedback.events import RatingReceived
from carefront.feedback.models import Rating, Survey
from carefront.feedback.services import SurveyClosed, rating_record, survey_for_token
from carefront.feedback.tests.factories import after_commit, sent_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    events: list[RatingReceived] = []
    subscribe(RatingReceived, events.append)
    yield events
    from carefront.core import events as bus

    bus._subscribers[RatingReceived].remove(events.append)


def test_a_rating_is_recorded_for_the_agent_at_resolution(inbox, agent, received):
    survey, token = sent_survey(inbox, agent)
    found = survey_for_token(token=token)
    assert found.pk == survey.pk
    with after_commit():
        rating = rating_record(survey=found, score="not_good", comment="  Still no parcel.  ")
    assert rating.score == "not_good"
    assert rating.comment == "Still no parcel."
    assert rating.agent == agent
    assert rating.customer == survey.customer
    assert rating.conversation == survey.conversation
    assert rating.is_bad
    [event] = ConversationEvent.objects.filter(kind=EventKind.RATED)
    assert event.data == {
        "rating": rating.pk,
        "score": "not_good",
        "comment": "Still no parcel.",
        "previous": None,
    }
    assert received == [
        RatingReceived(
            rating_id=rating.pk,
            conversation_id=survey.conversation_id,
            score="not_good",
            previous_score=None,
        )
    ]


def test_changing_ones_mind_updates_the_rating_instead_of_adding_one(inbox, agent, received):
    survey, _token = sent_survey(inbox, agent)
    with after_commit():
        first = rating_record(survey=survey, score="okay")
    with after_commit():
        second = rating_record(survey=survey, score="great", comment="It arrived!")
    assert second.pk == first.pk
    assert Rating.objects.count() == 1
    assert Rating.objects.get().score == "great"
    assert [e.previous_score for e in received] == [None, "okay"]
    assert ConversationEvent.objects.filter(kind=EventKind.RATED).count() == 2


def test_the_same_answer_twice_changes_nothing(inbox, agent, received):
    survey, _token = sent_survey(inbox, agent)
    with after_commit():
        rating_record(survey=survey, score="great", comment="Thanks")
    with after_commit():
        rating_record(survey=survey, score="great", comment="Thanks")
    assert len(received) == 1
    assert ConversationEvent.objects.filter(kind=EventKind.RATED).count() == 1


def test_an_expired_survey_refuses_new_and_changed_ratings(inbox, agent):
    survey, token = sent_survey(inbox, agent)
    later = timezone.now() + dt.timedelta(days=15)
    with pytest.raises(SurveyClosed):
        survey_for_token(token=token, now=later)
    with pytest.raises(SurveyClosed):
        rating_record(survey=survey, score="great", now=later)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("token", ["", "nope", "0" * 64, "g" * 64, "A" * 64])
def test_unknown_or_malformed_tokens_are_not_found(inbox, agent, token):
    sent_survey(inbox, agent)
    with pytest.raises(NotFound):
        survey_for_token(token=token)


def test_a_survey_not_sent_yet_has_no_working_link(inbox, agent):
    survey, token = sent_survey(inbox, agent)
    Survey.objects.filter(pk=survey.pk).update(status="scheduled")
    with pytest.raises(NotFound):
        survey_for_token(token=token)


@pytest.mark.parametrize(
    ("score", "comment", "message"),
    [("excellent", "", "Choose great"), ("great", "x" * 2001, "at most 2000")],
)
def test_bad_input_is_refused_clearly(inbox, agent, score, comment, message):
    survey, _token = sent_survey(inbox, agent)
    with pytest.raises(InvalidInput, match=message):
        rating_record(survey=survey, score=score, comment=comment)


def test_a_comment_keeps_no_nul_characters(inbox, agent):
    survey, _token = sent_survey(inbox, agent)
    rating = rating_record(survey=survey, score="okay", comment="fine\x00 really")
    assert rating.comment == "fine really"


def test_merging_conversations_keeps_their_surveys_and_ratings(inbox, agent):
    survey, _token = sent_survey(inbox, agent)
    rating = rating_record(survey=survey, score="great")
    target = conversation_for(inbox)
    conversation_merge(source_id=survey.conversation_id, target_id=target.pk)
    rating.refresh_from_db()
    survey.refresh_from_db()
    assert rating.conversation_id == target.pk
    assert survey.conversation_id == target.pk
