"""Build scorecards, replied conversations and reviews through the services."""

from carefront.conversations.services import conversation_assign, conversation_reply
from carefront.conversations.tests.factories import conversation_for
from carefront.quality.models import Scorecard, ScorecardVersion
from carefront.quality.selectors import scorecard_current_version
from carefront.quality.services import CategoryIn, ScoreIn, review_create, scorecard_create

CATEGORIES = [
    CategoryIn(name="Greeting", weight=1, behaviour="greets_by_name"),
    CategoryIn(name="Solution", weight=3),
    CategoryIn(name="Tone", weight=2, is_critical=True, behaviour="positive_language"),
]


def scorecard(actor, *, scale: str = "1-4", categories=None, name: str = "Support") -> Scorecard:
    return scorecard_create(
        actor=actor, name=name, scale=scale, categories=categories or CATEGORIES
    )


def version_of(card: Scorecard) -> ScorecardVersion:
    return scorecard_current_version(scorecard=card)


def replied(inbox, agent, body: str = "Hi Ana, thanks! It ships tomorrow.", **receive):
    """A conversation assigned to `agent`, who replied once. Returns (conversation, reply)."""
    conversation = conversation_for(inbox, **receive)
    conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    reply = conversation_reply(conversation=conversation, author=agent, body=body)
    conversation.refresh_from_db()
    return conversation, reply


def scores(version: ScorecardVersion, *values: int | None) -> list[ScoreIn]:
    return [
        ScoreIn(category_id=c.pk, value=v)
        for c, v in zip(version.categories.all(), values, strict=True)
    ]


def review(lead, conversation, agent, card: Scorecard, *values: int | None, **kwargs):
    version = version_of(card)
    return review_create(
        actor=lead,
        conversation=conversation,
        agent=agent,
        version=version,
        scores=scores(version, *values),
        **kwargs,
    )
