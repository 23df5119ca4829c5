"""Praise: a "great" rating with a comment, and a customer's thanks by name to an agent who
replied, reach that agent (once), and follow the rating when it changes."""

import pytest

from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.services import conversation_reply
from carefront.conversations.tests.factories import conversation_for, receive
from carefront.feedback.models import Praise
from carefront.feedback.services import praise_from_message, rating_record
from carefront.feedback.tests.factories import after_commit, rated, sent_survey

pytestmark = pytest.mark.django_db


def test_a_great_rating_with_a_comment_praises_the_agent_credited(inbox, agent):
    rating = rated(inbox, agent, score="great", comment="Fast and very kind, thank you!")
    praise = Praise.objects.get()
    assert praise.agent == agent
    assert praise.source == "rating"
    assert praise.rating == rating
    assert praise.text == "Fast and very kind, thank you!"
    assert praise.customer_id == rating.customer_id
    assert praise.conversation_id == rating.conversation_id


@pytest.mark.parametrize(
    ("score", "comment"),
    [("great", ""), ("okay", "Kind people"), ("great", "Great, but the product is useless")],
)
def test_no_praise_without_a_great_score_and_a_kind_comment(inbox, agent, score, comment):
    rated(inbox, agent, score=score, comment=comment)
    assert not Praise.objects.exists()


def test_praise_follows_the_rating_when_the_customer_changes_it(inbox, agent):
    survey, _token = sent_survey(inbox, agent)
    with after_commit():
        rating_record(survey=survey, score="great", comment="Lovely")
    with after_commit():
        rating_record(survey=survey, score="great", comment="Lovely and quick")
    assert Praise.objects.get().text == "Lovely and quick"
    with after_commit():
        rating_record(survey=survey, score="okay", comment="Lovely and quick")
    assert not Praise.objects.exists()


def _thread_with_reply(inbox, agent):
    first = conversation_for(inbox, from_address="ana@example.com", message_id="first@example.com")
    conversation_reply(conversation=first, author=agent, body="Here is your tracking number.")
    return first


def test_thanks_by_first_name_praises_the_agent_who_replied(inbox):
    agent = AgentFactory(name="Mira Jansen")
    conversation = _thread_with_reply(inbox, agent)
    with after_commit():
        result = receive(
            inbox,
            from_address="ana@example.com",
            in_reply_to=["first@example.com"],
            body_text="Got it. Thank you so much Mira, that was quick!",
        )
    assert result.conversation.pk == conversation.pk
    praise = Praise.objects.get()
    assert praise.agent == agent
    assert praise.source == "message"
    assert praise.text == "Thank you so much Mira, that was quick!"
    assert "Mira" in praise.reason
    assert praise.conversation_id == conversation.pk


def test_thanks_to_someone_who_did_not_reply_praises_nobody(inbox):
    agent = AgentFactory(name="Mira Jansen")
    AgentFactory(name="Tom Berg")
    _thread_with_reply(inbox, agent)
    with after_commit():
        receive(
            inbox,
            from_address="ana@example.com",
            in_reply_to=["first@example.com"],
            body_text="Thanks Tom!",
        )
    assert not Praise.objects.exists()


def test_a_message_without_thanks_costs_one_query(inbox, django_assert_num_queries):
    agent = AgentFactory(name="Mira Jansen")
    _thread_with_reply(inbox, agent)
    result = receive(
        inbox,
        from_address="ana@example.com",
        in_reply_to=["first@example.com"],
        body_text="Mira, where is my parcel?",
    )
    with django_assert_num_queries(1):
        assert praise_from_message(message_id=result.message.pk) == []


def test_the_same_message_praises_once(inbox):
    agent = AgentFactory(name="Mira Jansen")
    _thread_with_reply(inbox, agent)
    result = receive(
        inbox,
        from_address="ana@example.com",
        in_reply_to=["first@example.com"],
        body_text="Thanks Mira!",
    )
    assert len(praise_from_message(message_id=result.message.pk)) == 1
    assert praise_from_message(message_id=result.message.pk) == []
    assert Praise.objects.count() == 1
