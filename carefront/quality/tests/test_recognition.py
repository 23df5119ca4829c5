"""Peer kudos, and recognition that shows customers' praise and colleagues' kudos together
(team page, agent profile), keyset-paginated across both."""

import datetime as dt

import pytest

from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.feedback.models import Praise
from carefront.feedback.tests.factories import rated, without_survey_throttle
from carefront.notifications.models import Notification
from carefront.quality.models import Kudos
from carefront.quality.selectors_people import (
    agent_recognition,
    kudos_page,
    recognition_page,
)
from carefront.quality.services.kudos import kudos_give

from .people_factories import after_commit

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(team):
    other = AgentFactory()
    team.members.add(other)
    return other


def give(actor, receiver, message="You handled that angry caller so calmly!", **kw):
    with after_commit():
        return kudos_give(actor=actor, receiver_id=receiver.pk, message=message, **kw)


def test_kudos_reach_the_colleague_with_a_notification(agent, colleague):
    kudos = give(agent, colleague)
    assert kudos.giver == agent and kudos.receiver == colleague
    note = Notification.objects.get(recipient=colleague, kind="kudos_received")
    assert note.params["giver"] == agent.name
    assert note.params["note"].startswith("You handled")


def test_kudos_about_a_conversation_the_giver_can_see(agent, colleague, inbox):
    conversation = conversation_for(inbox, from_address="c@example.com")
    kudos = give(agent, colleague, conversation_id=conversation.pk)
    assert kudos.conversation_id == conversation.pk


def test_kudos_about_a_conversation_the_giver_cannot_see_are_refused(outsider, agent, inbox):
    conversation = conversation_for(inbox, from_address="c@example.com")
    with pytest.raises(NotFound):
        give(outsider, agent, conversation_id=conversation.pk)
    assert not Kudos.objects.exists()


@pytest.mark.parametrize("message", ["", "   ", "x" * 1001])
def test_empty_or_long_messages_are_refused(agent, colleague, message):
    with pytest.raises(InvalidInput):
        give(agent, colleague, message=message)


def test_no_kudos_to_yourself_or_to_someone_unknown(agent):
    with pytest.raises(InvalidInput):
        give(agent, agent)
    with pytest.raises(NotFound):
        kudos_give(actor=agent, receiver_id=999999, message="hi")


def test_the_team_page_shows_praise_and_kudos_newest_first(agent, colleague, team, inbox):
    rated(inbox, agent, score="great", comment="So helpful, thank you!")
    give(colleague, agent)
    Kudos.objects.update(created_at=Praise.objects.get().created_at + dt.timedelta(seconds=5))
    page = recognition_page(actor=agent, team=team)
    assert [e.kind for e in page.items] == ["kudos", "praise"]
    assert [e.kind for e in agent_recognition(agent=agent)] == ["kudos", "praise"]


def test_pages_walk_both_kinds_without_gaps_or_repeats(agent, colleague, team, inbox, settings):
    without_survey_throttle(settings)
    for i in range(4):
        rated(inbox, agent, score="great", comment=f"Lovely {i}", from_address=f"p{i}@e.test")
    for i in range(5):
        give(colleague, agent, message=f"Kudos {i}")
    # Same instant for some rows of both kinds: the tie-break must still be total.
    when = Praise.objects.order_by("id").first().created_at
    Praise.objects.filter(pk__in=Praise.objects.order_by("id")[:2].values("pk")).update(
        created_at=when
    )
    Kudos.objects.filter(pk__in=Kudos.objects.order_by("id")[:3].values("pk")).update(
        created_at=when
    )
    seen = []
    cursor = None
    while True:
        page = recognition_page(actor=agent, team=team, cursor=cursor, limit=2)
        seen += [(e.kind, (e.praise or e.kudos).pk) for e in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 9 and len(set(seen)) == 9


def test_the_team_page_costs_two_queries_whatever_the_page(
    agent, colleague, team, inbox, django_assert_num_queries
):
    for i in range(6):
        give(colleague, agent, message=f"Kudos {i}")
    with django_assert_num_queries(3):  # membership, praise, kudos
        page = recognition_page(actor=agent, team=team, limit=3)
        [(e.kudos.giver.name, e.kudos.receiver.name) for e in page.items]


def test_someone_outside_the_team_cannot_read_its_recognition(outsider, team):
    with pytest.raises(NotFound):
        recognition_page(actor=outsider, team=team)


def test_a_forged_cursor_is_a_clear_error(agent, team):
    with pytest.raises(InvalidInput):
        recognition_page(actor=agent, team=team, cursor="bm90IGEgY3Vyc29y")


def test_agents_read_kudos_of_their_team_but_not_of_others(agent, colleague, outsider):
    give(agent, colleague)
    stranger = AgentFactory()
    give(outsider, stranger, message="Between others")
    rows, _cursor = kudos_page(actor=agent)
    assert [k.message for k in rows] == ["You handled that angry caller so calmly!"]
    rows, _cursor = kudos_page(actor=agent, receiver_id=stranger.pk)
    assert rows == []
