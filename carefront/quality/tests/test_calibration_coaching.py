"""Calibration (scores hidden until one's own are in; where reviewers differ), picking
conversations to review (low CSAT, long, not reviewed, a stable weekly sample per agent), and
coaching (goals on scorecard categories, the follow-up reminder, progress over time)."""

import datetime as dt

import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.models import Conversation
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.feedback.tests.factories import rated, without_survey_throttle
from carefront.notifications.models import Notification
from carefront.quality import selectors
from carefront.quality.models import CoachingSession, Review
from carefront.quality.services import (
    GoalIn,
    calibration_create,
    coaching_create,
    coaching_remind,
    coaching_reminders_flush,
)

from .factories import replied, review, scorecard, scores, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(lead):
    return scorecard(lead)


@pytest.fixture
def second_lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Sam Second")
    team.members.add(lead)
    return lead


# Calibration ------------------------------------------------------------------------------


def test_reviewers_see_the_others_scores_only_after_submitting(
    lead, second_lead, agent, inbox, card
):
    from carefront.quality.services import review_create

    conversation = replied(inbox, agent)[0]
    version = version_of(card)
    session = calibration_create(
        actor=lead, conversation=conversation, version=version, reviewers=[lead, second_lead]
    )
    review_create(
        actor=lead,
        conversation=conversation,
        agent=agent,
        version=version,
        scores=scores(version, 4, 3, 2),
        calibration=session,
    )
    hidden = selectors.calibration_result(actor=second_lead, session=session)
    assert hidden.may_see_scores is False and hidden.rows == [] and hidden.submitted == {lead.pk}

    review_create(
        actor=second_lead,
        conversation=conversation,
        agent=agent,
        version=version,
        scores=scores(version, 4, 1, None),
        calibration=session,
    )
    result = selectors.calibration_result(actor=second_lead, session=session)
    spread = {row.name: (row.spread, row.differs) for row in result.rows}
    assert spread == {"Greeting": (0, False), "Solution": (2, True), "Tone": (0, True)}
    # Calibration reviews are not the agent's: not listed, not notified.
    assert not selectors.reviews_visible_to(actor=agent).exists()
    assert not Notification.objects.filter(recipient=agent).exists()


def test_only_the_sessions_reviewers_score_in_it(lead, second_lead, other_lead, agent, inbox, card):
    from carefront.quality.services import review_create

    conversation = replied(inbox, agent)[0]
    version = version_of(card)
    session = calibration_create(
        actor=lead, conversation=conversation, version=version, reviewers=[lead, second_lead]
    )
    with pytest.raises(PermissionDenied):
        review_create(
            actor=other_lead,
            conversation=conversation,
            agent=agent,
            version=version,
            scores=[],
            calibration=session,
        )
    with pytest.raises(NotFound):
        selectors.access_calibration(actor=other_lead, session_id=session.pk)
    with pytest.raises(NotFound):
        selectors.access_calibration(actor=agent, session_id=session.pk)


def test_a_session_needs_two_leads(lead, agent, inbox, card):
    conversation = replied(inbox, agent)[0]
    with pytest.raises(InvalidInput, match="two"):
        calibration_create(
            actor=lead, conversation=conversation, version=version_of(card), reviewers=[lead]
        )
    with pytest.raises(InvalidInput, match="not an active lead"):
        calibration_create(
            actor=lead,
            conversation=conversation,
            version=version_of(card),
            reviewers=[lead, agent],
        )


# Picking conversations ----------------------------------------------------------------------


def test_candidates_filter_low_csat_long_and_not_reviewed(settings, lead, agent, inbox, card):
    without_survey_throttle(settings)
    bad = rated(inbox, agent, score="not_good").conversation
    long, reviewed, plain = (replied(inbox, agent)[0] for _ in range(3))
    Conversation.objects.filter(pk=long.pk).update(message_count=12)
    review(lead, reviewed, agent, card, 3, 3, 3)

    def ids(**filters):
        page = selectors.review_candidates(
            actor=lead, filters=selectors.CandidateFilters(**filters)
        )
        return {c.pk for c in page.items}

    assert ids() == {bad.pk, long.pk, plain.pk}
    assert ids(low_csat=True) == {bad.pk}
    assert ids(min_messages=10) == {long.pk}
    assert ids(not_reviewed=False) == {bad.pk, long.pk, reviewed.pk, plain.pk}


def test_a_lead_picks_only_from_their_teams_agents(other_lead, agent, inbox):
    replied(inbox, agent)
    page = selectors.review_candidates(actor=other_lead, filters=selectors.CandidateFilters())
    assert page.items == []


def test_the_weekly_sample_is_the_same_every_time_and_n_per_agent(lead, agent, inbox, team):
    second = AgentFactory()
    team.members.add(second)
    for _ in range(6):
        replied(inbox, agent)
    for _ in range(2):
        replied(inbox, second)
    today = dt.datetime.now(dt.UTC).date()
    filters = selectors.CandidateFilters(sample_per_agent=3)
    first = selectors.review_candidates(actor=lead, filters=filters, today=today)
    again = selectors.review_candidates(actor=lead, filters=filters, today=today)
    assert [c.pk for c in first.items] == [c.pk for c in again.items]
    per_agent = {}
    for c in first.items:
        per_agent[c.assignee_id] = per_agent.get(c.assignee_id, 0) + 1
    assert per_agent == {agent.pk: 3, second.pk: 2}
    assert first.week == today - dt.timedelta(days=today.weekday())
    last_week = selectors.review_candidates(
        actor=lead,
        filters=selectors.CandidateFilters(sample_per_agent=3, week=today - dt.timedelta(7)),
    )
    assert last_week.items == []


# Coaching ----------------------------------------------------------------------------------


def test_coaching_with_goals_and_a_follow_up_reminder(lead, agent, card):
    key = version_of(card).categories.get(name="Tone").key
    held = dt.date(2026, 3, 2)
    session = coaching_create(
        actor=lead,
        agent=agent,
        held_on=held,
        notes="Talked about tone.",
        follow_up_on=held + dt.timedelta(days=14),
        goals=[GoalIn(scorecard_id=card.pk, category_key=key, description="No blame")],
    )
    assert [g.category_name for g in session.goals.all()] == ["Tone"]
    before = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
    assert coaching_reminders_flush(now=before) == 0
    on_the_day = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
    assert coaching_reminders_flush(now=on_the_day) == 1
    assert coaching_remind(session_id=session.pk, now=on_the_day) is False  # once
    told = Notification.objects.filter(kind="coaching_follow_up")
    assert {n.recipient_id for n in told} == {lead.pk, agent.pk}


def test_coaching_is_for_the_leads_own_agents(other_lead, lead, agent, outsider, card):
    with pytest.raises(PermissionDenied):
        coaching_create(actor=other_lead, agent=agent, held_on=dt.date(2026, 3, 2))
    with pytest.raises(PermissionDenied):
        coaching_create(actor=agent, agent=lead, held_on=dt.date(2026, 3, 2))
    with pytest.raises(InvalidInput):
        coaching_create(
            actor=lead,
            agent=agent,
            held_on=dt.date(2026, 3, 2),
            goals=[GoalIn(scorecard_id=card.pk, category_key="nope")],
        )
    session = coaching_create(actor=lead, agent=agent, held_on=dt.date(2026, 3, 2))
    assert selectors.access_coaching(actor=agent, session_id=session.pk) == session
    for stranger in (other_lead, outsider):
        with pytest.raises(NotFound):
            selectors.access_coaching(actor=stranger, session_id=session.pk)
    assert CoachingSession.objects.count() == 1


def test_progress_is_the_weekly_average_in_percent(lead, agent, inbox, card):
    first = review(lead, replied(inbox, agent)[0], agent, card, 1, 1, 2)
    second = review(lead, replied(inbox, agent)[0], agent, card, 4, 4, 4)
    Review.objects.filter(pk=first.pk).update(created_at=dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC))
    Review.objects.filter(pk=second.pk).update(
        created_at=dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC)
    )
    key = version_of(card).categories.get(name="Tone").key
    [series] = selectors.coaching_progress(agent_id=agent.pk, goals=[(card.pk, key, "Tone")])
    assert series.points == [(dt.date(2026, 3, 2), 33.3), (dt.date(2026, 3, 9), 100.0)]


def test_the_flush_command_sends_due_reminders(lead, agent):
    from io import StringIO

    from django.core.management import call_command

    coaching_create(
        actor=lead,
        agent=agent,
        held_on=dt.date(2020, 1, 6),
        follow_up_on=dt.date(2020, 1, 13),
    )
    out = StringIO()
    call_command("coaching_reminders_flush", stdout=out)
    assert "1" in out.getvalue()
    assert Notification.objects.filter(kind="coaching_follow_up").count() == 2
