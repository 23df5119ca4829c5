"""Scorecards (versioned), reviews (weighted totals, critical fails, auto-QA prefill), the
agent's answer and dispute, the lead's resolution, notifications, events and scoping."""

from decimal import Decimal

import pytest

from carefront.core.events import _in_transaction, _subscribers, subscribe
from carefront.core.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from carefront.feedback.tests.factories import after_commit
from carefront.notifications.models import Notification
from carefront.quality import selectors
from carefront.quality.behaviours import Outcome, ReplyMark
from carefront.quality.events import ReviewCreated, ReviewDisputed
from carefront.quality.models import Review, ReviewState
from carefront.quality.services import (
    CategoryIn,
    ScoreIn,
    review_create,
    review_dispute,
    review_prefill,
    review_reply,
    review_resolve,
    scorecard_create,
    scorecard_update,
)

from .factories import CATEGORIES, replied, review, scorecard, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(lead):
    return scorecard(lead)


@pytest.fixture
def conversation(inbox, agent):
    return replied(inbox, agent)[0]


def test_total_is_weighted_over_the_categories_scored(lead, agent, conversation, card):
    # Greeting 4/4 (w1) = 1.0, Solution 2/4 (w3) = 1/3, Tone n/a: (1 + 1) / 4 = 50 %.
    r = review(lead, conversation, agent, card, 4, 2, None)
    assert r.score == Decimal("50.0")
    assert r.failed is False


def test_a_fail_in_a_critical_category_fails_the_review(lead, agent, conversation, card):
    r = review(lead, conversation, agent, card, 4, 4, 1)
    assert r.failed is True
    assert r.score == Decimal("66.7")  # (1 + 3 + 0) / 6


def test_pass_fail_scale(lead, agent, conversation):
    card = scorecard(lead, scale="pass_fail", name="Compliance")
    r = review(lead, conversation, agent, card, 1, 1, 0)
    assert (r.score, r.failed) == (Decimal("66.7"), True)


def test_scores_out_of_the_scale_are_refused(lead, agent, conversation, card):
    with pytest.raises(InvalidInput, match="from 1 to 4"):
        review(lead, conversation, agent, card, 5, 1, 1)
    assert not Review.objects.exists()


def test_a_score_for_another_scorecards_category_is_refused(lead, agent, conversation, card):
    other = version_of(scorecard(lead, name="Other"))
    with pytest.raises(InvalidInput):
        review_create(
            actor=lead,
            conversation=conversation,
            agent=agent,
            version=version_of(card),
            scores=[ScoreIn(category_id=other.categories.first().pk, value=1)],
        )


def test_editing_a_scorecard_makes_a_new_version_and_keeps_past_reviews(
    lead, agent, conversation, card
):
    r = review(lead, conversation, agent, card, 4, 4, 4)
    old = version_of(card)
    keys = {c.name: c.key for c in old.categories.all()}
    scorecard_update(
        actor=lead,
        scorecard=card,
        name="Support 2",
        scale="1-5",
        categories=[CategoryIn(name="Solution", weight=5, key=keys["Solution"])],
    )
    new = version_of(card)
    assert new.number == 2 and new.scale == "1-5"
    assert [c.key for c in new.categories.all()] == [keys["Solution"]]
    r.refresh_from_db()
    assert r.version_id == old.pk
    assert [s.category.name for s in r.scores.all()] == ["Greeting", "Solution", "Tone"]


def test_scorecards_are_built_by_leads_and_admins_only(agent):
    with pytest.raises(PermissionDenied):
        scorecard_create(actor=agent, name="Mine", scale="1-4", categories=CATEGORIES)


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ([], "at least one category"),
        ([CategoryIn(name="A", weight=0)], "weight"),
        ([CategoryIn(name="A"), CategoryIn(name="a")], "Two categories"),
        ([CategoryIn(name="A", behaviour="mind_reading")], "not an auto-QA behaviour"),
    ],
)
def test_bad_scorecards_are_refused(lead, categories, message):
    with pytest.raises(InvalidInput, match=message):
        scorecard_create(actor=lead, name="X", scale="1-4", categories=categories)


def test_prefill_comes_from_the_agents_own_marked_replies(monkeypatch, lead, agent, inbox, card):
    conversation, reply = replied(inbox, agent)
    marks = {
        reply.pk: [
            ReplyMark("greets_by_name", Outcome.PASSED, evidence="Hi Ana"),
            ReplyMark("positive_language", Outcome.MISSED, evidence="you should have"),
        ],
        reply.pk + 1000: [ReplyMark("greets_by_name", Outcome.MISSED, evidence="someone else")],
    }
    monkeypatch.setattr(selectors, "reply_marks_for_conversation", lambda _id: marks)
    version = version_of(card)
    prefill = review_prefill(version=version, conversation_id=conversation.pk, agent_id=agent.pk)
    by_name = {c.name: prefill.get(c.pk) for c in version.categories.all()}
    assert by_name["Greeting"].value == 4 and "Hi Ana" in by_name["Greeting"].evidence
    assert by_name["Tone"].value == 1 and "you should have" in by_name["Tone"].evidence
    assert by_name["Solution"] is None  # no behaviour mapped

    r = review(lead, conversation, agent, card, 4, 3, 1)
    assert {s.category.name: s.prefill for s in r.scores.all()}["Tone"].endswith("you should have")


def test_prefill_without_marks_suggests_nothing(lead, agent, conversation, card):
    assert (
        review_prefill(version=version_of(card), conversation_id=conversation.pk, agent_id=agent.pk)
        == {}
    )


def test_the_agent_is_notified_and_review_created_is_published(lead, agent, conversation, card):
    seen = []
    subscribe(ReviewCreated, seen.append)
    try:
        with after_commit():
            r = review(lead, conversation, agent, card, 3, 3, 3)
    finally:
        _subscribers[ReviewCreated].remove(seen.append)
    assert seen == [ReviewCreated(r.pk, conversation.pk, agent.pk, lead.pk)]
    notification = Notification.objects.get(recipient=agent)
    assert notification.kind == "review_received" and notification.params["review_id"] == r.pk


def test_one_review_per_reviewer_agent_and_conversation(lead, agent, conversation, card):
    review(lead, conversation, agent, card, 3, 3, 3)
    with pytest.raises(Conflict):
        review(lead, conversation, agent, card, 2, 2, 2)


def test_a_lead_reviews_only_the_agents_of_their_teams(other_lead, agent, conversation, card):
    with pytest.raises(PermissionDenied):
        review(other_lead, conversation, agent, card, 3, 3, 3)


def test_agents_do_not_review_and_nobody_reviews_themselves(lead, agent, conversation, card):
    with pytest.raises(PermissionDenied):
        review(agent, conversation, agent, card, 3, 3, 3)
    with pytest.raises(PermissionDenied):
        review(lead, conversation, lead, card, 3, 3, 3)


def test_the_agent_must_have_taken_part(lead, agent, inbox, card, team):
    from carefront.accounts.tests.factories import AgentFactory

    bystander = AgentFactory()
    team.members.add(bystander)
    conversation = replied(inbox, agent)[0]
    with pytest.raises(InvalidInput, match="did not reply"):
        review(lead, conversation, bystander, card, 3, 3, 3)


def test_dispute_and_resolution(lead, agent, conversation, card):
    r = review(lead, conversation, agent, card, 4, 2, 1)
    review_reply(actor=agent, review=r, text="Thanks, noted.")
    seen = []
    subscribe(ReviewDisputed, seen.append, in_transaction=True)
    try:
        r = review_dispute(actor=agent, review=r, reason="The customer was rude first.")
    finally:
        _in_transaction[ReviewDisputed].remove(seen.append)
    assert r.state == ReviewState.DISPUTED and seen == [ReviewDisputed(r.pk, agent.pk)]
    assert Notification.objects.filter(recipient=lead, kind="review_disputed").exists()
    with pytest.raises(InvalidInput, match="already disputed"):
        review_dispute(actor=agent, review=r, reason="Again")

    tone = r.scores.get(category__name="Tone").category_id
    r = review_resolve(
        actor=lead, review=r, accept=True, scores=[ScoreIn(category_id=tone, value=3)]
    )
    assert r.state == ReviewState.DISPUTE_ACCEPTED and r.failed is False
    assert r.score == Decimal("55.6")  # (1 + 3 * 1/3 + 2 * 2/3) / 6
    assert Notification.objects.filter(recipient=agent, kind="review_dispute_resolved").exists()


def test_only_the_reviewed_agent_disputes_and_only_their_lead_resolves(
    lead, other_lead, agent, outsider, conversation, card
):
    r = review(lead, conversation, agent, card, 3, 3, 3)
    with pytest.raises(PermissionDenied):
        review_dispute(actor=lead, review=r, reason="x")
    review_dispute(actor=agent, review=r, reason="Unfair")
    with pytest.raises(PermissionDenied):
        review_resolve(actor=other_lead, review=r, accept=False, resolution="No")
    with pytest.raises(PermissionDenied):
        review_resolve(actor=agent, review=r, accept=True)
    with pytest.raises(InvalidInput, match="why"):
        review_resolve(actor=lead, review=r, accept=False)


def test_who_sees_which_review(lead, other_lead, agent, outsider, admin, conversation, card):
    r = review(lead, conversation, agent, card, 3, 3, 3)
    assert selectors.access_review(actor=agent, review_id=r.pk) == r
    assert selectors.access_review(actor=lead, review_id=r.pk) == r
    assert selectors.access_review(actor=admin, review_id=r.pk) == r
    for stranger in (other_lead, outsider):
        with pytest.raises(NotFound):
            selectors.access_review(actor=stranger, review_id=r.pk)


def test_review_page_is_keyset_paged(lead, agent, inbox, card):
    made = [review(lead, replied(inbox, agent)[0], agent, card, 3, 3, 3) for _ in range(3)]
    first = selectors.review_page(actor=agent, filters=selectors.ReviewFilters(), limit=2)
    assert [r.pk for r in first.items] == [made[2].pk, made[1].pk]
    second = selectors.review_page(
        actor=agent, filters=selectors.ReviewFilters(), cursor=first.next_cursor, limit=2
    )
    assert [r.pk for r in second.items] == [made[0].pk] and second.next_cursor is None
    with pytest.raises(InvalidInput):
        selectors.review_page(actor=agent, filters=selectors.ReviewFilters(), cursor="bad!")
