"""The feedback inbox's rows: every rating with a comment has one, kept in step with it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.feedback.models import FeedbackComment, Rating
from carefront.feedback.services import (
    feedback_comment_record,
    feedback_comment_record_rating,
    feedback_comments_backfill,
    nps_sentiment,
    rating_record,
)
from carefront.feedback.tests.factories import after_commit, comment, rated

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_survey_throttle(settings):
    """One customer rates several conversations minutes apart here; the throttle (nobody asked
    twice in 90 days, tested in test_nps.py) would stop every survey but the first."""
    from carefront.feedback.tests.factories import without_survey_throttle

    without_survey_throttle(settings)


def test_a_rating_with_a_comment_is_in_the_feedback_inbox(inbox, agent):
    rating = rated(inbox, agent, score="not_good", comment="  The parcel never came.  ")
    row = FeedbackComment.objects.get()
    assert (row.source, row.source_id) == ("csat", rating.pk)
    assert row.text == "The parcel never came."
    assert (row.sentiment, row.score) == (-1, 1)
    assert row.customer_id == rating.customer_id
    assert row.conversation_id == rating.conversation_id
    assert row.inbox_id == inbox.pk
    assert row.agent_id == agent.pk
    assert row.created_at == rating.created_at


def test_a_rating_without_a_comment_has_no_row(inbox, agent):
    rated(inbox, agent, score="great")
    assert not FeedbackComment.objects.exists()


def test_recording_the_same_rating_again_writes_nothing(inbox, agent):
    rating = rated(inbox, agent, score="okay", comment="Slow but fine")
    before = FeedbackComment.objects.get()
    with CaptureQueriesContext(connection) as queries:
        again = feedback_comment_record_rating(rating_id=rating.pk)
    assert again.pk == before.pk
    assert FeedbackComment.objects.count() == 1
    assert FeedbackComment.objects.get().updated_at == before.updated_at
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


def test_a_changed_rating_changes_its_row_and_groups_it_again(inbox, agent):
    rating = rated(inbox, agent, score="not_good", comment="Nobody answered")
    FeedbackComment.objects.update(grouped_at="2026-01-01T00:00:00Z")
    with after_commit():
        rating_record(survey=rating.survey, score="great", comment="Sorted in the end, thanks")
    row = FeedbackComment.objects.get()
    assert (row.text, row.sentiment, row.score) == ("Sorted in the end, thanks", 1, 3)
    # The task ran (immediate backend) and found too few comments to group: it waits.
    assert row.grouped_at is None


def test_a_removed_comment_leaves_the_inbox(inbox, agent):
    rating = rated(inbox, agent, score="okay", comment="Meh")
    with after_commit():
        rating_record(survey=rating.survey, score="okay", comment="")
    assert not FeedbackComment.objects.exists()


def test_backfill_records_old_ratings_once(inbox, agent):
    rating = rated(inbox, agent, score="not_good", comment="Too slow")
    rated(inbox, agent, score="great", comment="")
    FeedbackComment.objects.all().delete()  # as before the feedback inbox existed
    assert feedback_comments_backfill() == 1
    assert feedback_comments_backfill() == 1
    [row] = FeedbackComment.objects.all()
    assert row.source_id == rating.pk
    assert Rating.objects.count() == 2


def test_nps_answers_are_recorded_with_their_sentiment(db):
    assert [nps_sentiment(s) for s in (0, 6, 7, 8, 9, 10)] == [-1, -1, 0, 0, 1, 1]
    row = comment("Would recommend, great app", sentiment=nps_sentiment(10), score=10)
    assert (row.source, row.sentiment, row.score) == ("nps", 1, 10)


def test_bad_input_is_refused(db):
    from carefront.customers.tests.factories import CustomerFactory

    customer = CustomerFactory()
    with pytest.raises(ValueError, match="source"):
        feedback_comment_record(
            source="tweet",
            source_id=1,
            text="x",
            sentiment=0,
            customer_id=customer.pk,
            created_at="2026-01-01T00:00:00Z",
        )
    with pytest.raises(ValueError, match="sentiment"):
        feedback_comment_record(
            source="nps",
            source_id=1,
            text="x",
            sentiment=5,
            customer_id=customer.pk,
            created_at="2026-01-01T00:00:00Z",
        )
