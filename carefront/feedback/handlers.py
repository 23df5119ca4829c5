"""Subscribers: a resolution schedules a survey, a reopen cancels it; a rating opens a recovery
task or records praise, and its comment goes to the feedback inbox; an NPS answer's comment goes
there too, and a detractor opens a recovery task; a customer's thanks by name records praise.

Survey, rating and NPS handlers are registered in `FeedbackConfig.ready()` inside the publishing
transaction (`in_transaction`): the survey commits with the resolution, and its cancellation
with the reopen, so no crash between the two can lose one or send a survey for a reopened
conversation; a comment or a recovery task is never lost between two commits. Each writes in a
savepoint of its own."""

from django.db import transaction

from carefront.conversations import events as conversation_events
from carefront.conversations.models import Status
from carefront.core.events import subscribe

from . import events
from .services import (
    feedback_comment_record_nps,
    feedback_comment_record_rating,
    praise_for_rating,
    praise_from_message,
    recovery_for_nps,
    recovery_for_rating,
    survey_schedule,
    surveys_cancel,
)

RESOLVED = {Status.SOLVED, Status.CLOSED}


def on_status_changed(event: conversation_events.ConversationStatusChanged) -> None:
    if event.new_status in RESOLVED:
        # Solved → closed is the same resolution: no second survey.
        if event.old_status not in RESOLVED:
            survey_schedule(conversation_id=event.conversation_id)
    else:
        with transaction.atomic():
            surveys_cancel(conversation_id=event.conversation_id)


def on_message_received(event: conversation_events.MessageReceived) -> None:
    if event.reopened:
        with transaction.atomic():
            surveys_cancel(conversation_id=event.conversation_id)


def on_rating_received(event: events.RatingReceived) -> None:
    """A bad rating or a negative comment opens a recovery task, a "great" one with a comment
    praises the agent, and the comment goes to the feedback inbox."""
    with transaction.atomic():
        recovery_for_rating(rating_id=event.rating_id)
    with transaction.atomic():
        praise_for_rating(rating_id=event.rating_id)
    with transaction.atomic():
        feedback_comment_record_rating(rating_id=event.rating_id)


def on_nps_answered(event: events.NpsAnswered) -> None:
    """A detractor opens a recovery task; the comment goes to the feedback inbox."""
    with transaction.atomic():
        recovery_for_nps(response_id=event.response_id)
    with transaction.atomic():
        feedback_comment_record_nps(response_id=event.response_id)


def on_message_received_praise(event: conversation_events.MessageReceived) -> None:
    """After commit: thanks to an agent by name becomes praise. Losing one to a crash right
    after the commit loses a kind word, not a customer's message."""
    praise_from_message(message_id=event.message_id)


def connect() -> None:
    subscribe(conversation_events.ConversationStatusChanged, on_status_changed, in_transaction=True)
    subscribe(conversation_events.MessageReceived, on_message_received, in_transaction=True)
    subscribe(conversation_events.MessageReceived, on_message_received_praise)
    subscribe(events.RatingReceived, on_rating_received, in_transaction=True)
    subscribe(events.NpsAnswered, on_nps_answered, in_transaction=True)
