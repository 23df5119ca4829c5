"""Subscribers to the conversations' events: a resolution schedules a survey, a reopen
cancels it; a rating's comment goes to the feedback inbox. Registered in
`FeedbackConfig.ready()`, inside the publishing transaction
(`in_transaction`): the survey commits with the resolution, and its cancellation with the
reopen, so no crash between the two can lose one or send a survey for a reopened conversation.
Each writes in a savepoint of its own."""

from django.db import transaction

from carefront.conversations import events as conversation_events
from carefront.conversations.models import Status
from carefront.core.events import subscribe

from . import events as feedback_events
from .services import feedback_comment_record_rating, survey_schedule, surveys_cancel

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


def on_rating_received(event: feedback_events.RatingReceived) -> None:
    # In the rating's transaction: a comment is never lost between the two commits.
    feedback_comment_record_rating(rating_id=event.rating_id)


def connect() -> None:
    subscribe(conversation_events.ConversationStatusChanged, on_status_changed, in_transaction=True)
    subscribe(conversation_events.MessageReceived, on_message_received, in_transaction=True)
    subscribe(feedback_events.RatingReceived, on_rating_received, in_transaction=True)
