"""The migrations of this slice: existing inboxes ask for ratings; the feedback tables exist."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("inboxes", "0002_imap_password_encrypted"), ("feedback", None)]
AFTER = [("inboxes", "0003_inbox_rating_settings"), ("feedback", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1]]).apps


def test_existing_inboxes_ask_for_a_rating_after_an_hour_and_ratings_can_be_stored():
    old = _migrate(BEFORE)
    old.get_model("inboxes", "Inbox").objects.create(
        name="Old support", email_address="old@example.com"
    )
    assert "feedback_rating" not in connection.introspection.table_names()
    new = _migrate(AFTER)
    inbox = new.get_model("inboxes", "Inbox").objects.get(name="Old support")
    assert inbox.ask_for_rating is True
    assert inbox.rating_delay_minutes == 60
    tables = connection.introspection.table_names()
    assert {"feedback_survey", "feedback_rating"} <= set(tables)
    # Back to the latest state for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()


def test_ratings_given_before_the_feedback_inbox_get_their_comments_copied(inbox, agent, settings):
    from carefront.feedback.models import FeedbackComment
    from carefront.feedback.tests.factories import rated, without_survey_throttle

    without_survey_throttle(settings)  # one customer rates two conversations

    old = _migrate([("feedback", "0005_feedback_comments_themes")])
    with_comment = rated(inbox, agent, score="not_good", comment="Took a week")
    rated(inbox, agent, score="great", comment="")
    # As if given before the feedback inbox existed (the model of that state: the current one
    # would also delete from tables of later migrations, not there yet).
    old.get_model("feedback", "FeedbackComment").objects.all().delete()
    _migrate([("feedback", "0006_backfill_rated_comments")])
    [row] = FeedbackComment.objects.all()
    assert (row.source, row.source_id, row.text) == ("csat", with_comment.pk, "Took a week")
    assert (row.sentiment, row.score, row.inbox_id, row.agent_id) == (-1, 1, inbox.pk, agent.pk)
    assert row.theme_id is None
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()
