"""Reviews deliver `review.created` and `review.disputed`, with the review and its scores;
calibration reviews deliver nothing."""

import json

import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.feedback.tests.factories import after_commit
from carefront.quality.services import calibration_create, review_create, review_dispute
from carefront.quality.tests.factories import replied, review, scorecard, scores, version_of
from carefront.webhooks import catalogue
from carefront.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db


def sent(receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.requests]


def test_review_created_and_disputed(admin, receiver, inbox, agent, team):
    lead = AgentFactory(role=Role.LEAD)
    team.members.add(lead)
    webhook_subscription_create(
        actor=admin,
        url=receiver.url,
        event_types=[catalogue.REVIEW_CREATED, catalogue.REVIEW_DISPUTED],
    )
    card = scorecard(lead)
    conversation = replied(inbox, agent)[0]
    with after_commit():
        r = review(lead, conversation, agent, card, 4, 2, 1, comment="Mind the tone")
    [created] = sent(receiver)
    assert created["type"] == "review.created"
    data = created["data"]
    assert data["id"] == r.pk and data["conversation_id"] == conversation.pk
    assert data["agent"] == {"id": agent.pk, "name": agent.name}
    assert data["failed"] is True and data["comment"] == "Mind the tone"
    assert [(s["name"], s["value"]) for s in data["scores"]] == [
        ("Greeting", 4),
        ("Solution", 2),
        ("Tone", 1),
    ]
    receiver.requests.clear()
    with after_commit():
        review_dispute(actor=agent, review=r, reason="The customer was rude first")
    [disputed] = sent(receiver)
    assert disputed["type"] == "review.disputed"
    assert disputed["data"]["state"] == "disputed"
    assert disputed["data"]["dispute_reason"] == "The customer was rude first"

    receiver.requests.clear()
    second = AgentFactory(role=Role.LEAD)
    version = version_of(card)
    session = calibration_create(
        actor=lead, conversation=conversation, version=version, reviewers=[lead, second]
    )
    with after_commit():
        review_create(
            actor=second,
            conversation=conversation,
            agent=agent,
            version=version,
            scores=scores(version, 3, 3, 3),
            calibration=session,
        )
    assert sent(receiver) == []
