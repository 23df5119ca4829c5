"""Praise routed to the agent it is meant for: from a "great" rating with a comment, and from a
customer's message that thanks, by first name, an agent who replied in the conversation."""

import logging

from django.db import IntegrityError, transaction

from carefront.accounts.models import Agent
from carefront.conversations.models import Direction, Message
from carefront.core.events import publish
from carefront.nlp import analyse_sentiment, find_thanks, has_thanks_marker

from .. import events
from ..models import Praise, PraiseSource, Rating, Score

logger = logging.getLogger(__name__)

MAX_PRAISE_TEXT = 2000
MAX_REASON = 200


def _create(**fields: object) -> Praise | None:
    try:
        with transaction.atomic():
            praise = Praise.objects.create(**fields)
            publish(
                events.PraiseReceived(
                    praise_id=praise.pk,
                    agent_id=praise.agent_id,
                    source=praise.source,
                    conversation_id=praise.conversation_id,
                )
            )
    except IntegrityError:
        return None  # recorded already (the same rating or message, twice)
    return praise


def praise_for_rating(*, rating_id: int) -> Praise | None:
    """A "great" rating with a comment praises the agent it is credited to. The praise follows
    the rating: its text changes with the comment, and it is withdrawn when the customer
    changes the score or empties the comment. None when the rating praises nobody."""
    rating = Rating.objects.filter(pk=rating_id).first()
    if rating is None:
        return None
    existing = Praise.objects.filter(rating=rating).first()
    comment = rating.comment.strip()
    praises = (
        rating.score == Score.GREAT
        and bool(comment)
        and rating.agent_id is not None
        and not analyse_sentiment(comment).is_negative
    )
    if not praises:
        if existing is not None:
            existing.delete()
        return None
    if existing is not None:
        if existing.text != comment:
            existing.text = comment[:MAX_PRAISE_TEXT]
            existing.save(update_fields=["text"])
        return existing
    return _create(
        agent_id=rating.agent_id,
        source=PraiseSource.RATING,
        rating=rating,
        text=comment[:MAX_PRAISE_TEXT],
        reason=str(Score.GREAT.label),
        customer_id=rating.customer_id,
        conversation_id=rating.conversation_id,
    )


def praise_from_message(*, message_id: int) -> list[Praise]:
    """Praise for each agent who replied in the conversation and whom the customer's message
    thanks by first name ("Thanks Ana, that fixed it!"). Cheap when there is nothing to find:
    one query for the message's new text, and the replying agents are looked up only when it
    holds a thanks word."""
    message = (
        Message.objects.filter(pk=message_id, direction=Direction.INCOMING)
        .only("id", "conversation_id", "customer_id", "reply_text", "body_text")
        .first()
    )
    if message is None or message.customer_id is None:
        return []
    # The new text only (quotes and signatures folded away): a quoted "Thanks, Ana" from
    # the agent's own reply is not the customer's thanks.
    text = message.reply_text or message.body_text
    if not has_thanks_marker(text):
        return []
    author_ids = set(
        Message.objects.filter(
            conversation_id=message.conversation_id,
            direction=Direction.OUTGOING,
            author__isnull=False,
        ).values_list("author_id", flat=True)
    )
    if not author_ids:
        return []
    names = {
        agent.pk: agent.first_name
        for agent in Agent.objects.filter(pk__in=author_ids).only("id", "name", "email")
    }
    created = []
    for match in find_thanks(text, names):
        praise = _create(
            agent_id=match.key,
            source=PraiseSource.MESSAGE,
            message_id=message.pk,
            text=match.sentence[:MAX_PRAISE_TEXT],
            reason=f"“{match.thanks_word}” … “{match.name}”"[:MAX_REASON],
            customer_id=message.customer_id,
            conversation_id=message.conversation_id,
        )
        if praise is not None:
            created.append(praise)
    return created
