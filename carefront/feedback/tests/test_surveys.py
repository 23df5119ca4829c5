"""Scheduling and sending surveys: once per resolution, never after a reopen, only by email."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from carefront.conversations.models import Conversation, ConversationEvent, EventKind
from carefront.conversations.services import conversation_assign
from carefront.conversations.tests.factories import conversation_for, receive
from carefront.feedback import tokens
from carefront.feedback.models import Survey, SurveyStatus
from carefront.feedback.services import survey_schedule, survey_send, surveys_flush
from carefront.feedback.tests.factories import after_commit, sent_survey, set_status
from carefront.inboxes.models import Inbox
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(inbox, agent):
    conversation = conversation_for(
        inbox, from_address="ana@example.com", from_name="Ana Lima", subject="Where is my parcel?"
    )
    conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    return conversation


def later(minutes: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_solving_schedules_one_survey_after_the_inbox_delay_crediting_the_assignee(
    conversation, agent
):
    before = timezone.now()
    set_status(conversation, "solved", agent)
    survey = Survey.objects.get(conversation=conversation)
    assert survey.status == SurveyStatus.SCHEDULED
    assert survey.agent == agent
    assert survey.customer == conversation.customer
    assert survey.send_after >= before + dt.timedelta(minutes=60)
    assert survey.send_after <= timezone.now() + dt.timedelta(minutes=60)
    # Not due yet: nothing is sent.
    assert surveys_flush() == 0
    assert mail.outbox == []


def test_a_due_survey_is_sent_once(conversation, agent):
    set_status(conversation, "solved", agent)
    assert surveys_flush(now=later(61)) == 1
    assert surveys_flush(now=later(62)) == 0
    assert len(mail.outbox) == 1
    survey = Survey.objects.get(conversation=conversation)
    assert survey.status == SurveyStatus.SENT
    assert survey.expires_at == survey.sent_at + dt.timedelta(days=14)
    [event] = ConversationEvent.objects.filter(
        conversation=conversation, kind=EventKind.RATING_REQUESTED
    )
    assert event.data["to"] == "ana@example.com"
    # The task running again (at least once) changes nothing.
    assert survey_send(survey_id=survey.pk, now=later(63)) == SurveyStatus.SENT
    assert len(mail.outbox) == 1


def test_solved_then_closed_is_one_resolution(conversation, agent):
    set_status(conversation, "solved", agent)
    set_status(conversation, "closed", agent)
    assert Survey.objects.filter(conversation=conversation).count() == 1
    surveys_flush(now=later(61))
    assert len(mail.outbox) == 1


def test_reopening_by_status_cancels_the_waiting_survey(conversation, agent):
    set_status(conversation, "solved", agent)
    set_status(conversation, "open", agent)
    assert Survey.objects.get(conversation=conversation).status == SurveyStatus.CANCELLED
    assert surveys_flush(now=later(61)) == 0
    assert mail.outbox == []


def test_a_customer_reply_before_the_delay_cancels_the_survey(conversation, agent, inbox):
    set_status(conversation, "solved", agent)
    first = conversation.messages.get().message_id
    with after_commit():
        result = receive(
            inbox,
            from_address="ana@example.com",
            subject="Re: Where is my parcel?",
            references=[f"<{first}>"],
            body_text="Actually it is still missing.",
        )
    assert result.conversation.pk == conversation.pk
    assert Survey.objects.get(conversation=conversation).status == SurveyStatus.CANCELLED
    surveys_flush(now=later(61))
    assert mail.outbox == []


def test_resolved_again_after_a_reopen_gets_one_survey(conversation, agent):
    set_status(conversation, "solved", agent)
    set_status(conversation, "open", agent)
    set_status(conversation, "solved", agent)
    surveys_flush(now=later(61))
    assert len(mail.outbox) == 1
    assert Survey.objects.filter(conversation=conversation, status=SurveyStatus.SENT).count() == 1


def test_reopened_when_due_is_not_sent_even_if_the_cancel_was_missed(conversation, agent):
    set_status(conversation, "solved", agent)
    # A reopen whose event never reached feedback (a failed subscriber): the send re-checks.
    type(conversation).objects.filter(pk=conversation.pk).update(status="open")
    surveys_flush(now=later(61))
    assert mail.outbox == []
    assert Survey.objects.get(conversation=conversation).status == SurveyStatus.CANCELLED


def test_no_second_survey_while_the_first_ones_links_work(inbox, agent):
    survey, _token = sent_survey(inbox, agent)
    conversation = survey.conversation
    set_status(conversation, "open", agent)
    set_status(conversation, "solved", agent)
    assert Survey.objects.filter(conversation=conversation).count() == 1
    assert len(mail.outbox) == 1


def test_a_customer_without_email_is_not_surveyed(conversation, agent):
    conversation.customer.email = ""
    conversation.customer.save(update_fields=["email"])
    set_status(conversation, "solved", agent)
    assert not Survey.objects.exists()


def test_an_inbox_that_does_not_ask_for_ratings_sends_none(conversation, agent, inbox):
    Inbox.objects.filter(pk=inbox.pk).update(ask_for_rating=False)
    set_status(conversation, "solved", agent)
    assert not Survey.objects.exists()


def test_api_inboxes_send_no_survey(agent, team):
    inbox = InboxFactory(teams=[team], channel="api", email_address=None)
    conversation = conversation_for(inbox, channel="api", from_address="ana@example.com")
    set_status(conversation, "solved", agent)
    assert not Survey.objects.exists()


def test_without_a_base_url_the_survey_fails_with_a_clear_error(conversation, agent):
    set_status(conversation, "solved", agent)
    with override_settings(CAREFRONT={**settings.CAREFRONT, "BASE_URL": ""}):
        surveys_flush(now=later(61))
    survey = Survey.objects.get(conversation=conversation)
    assert survey.status == SurveyStatus.FAILED
    assert "CAREFRONT_BASE_URL" in survey.last_error
    assert mail.outbox == []


def test_a_failed_send_is_retried_with_the_same_links(conversation, agent, settings):
    set_status(conversation, "solved", agent)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    assert surveys_flush(now=later(61)) == 1
    survey = Survey.objects.get(conversation=conversation)
    assert survey.status == SurveyStatus.SCHEDULED
    assert survey.attempts == 1
    assert survey.last_error
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert surveys_flush(now=later(61)) == 0  # backing off
    assert surveys_flush(now=later(70)) == 1
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.SENT
    token = tokens.survey_token(survey.token_salt)
    assert token in mail.outbox[0].body


def test_a_survey_stuck_in_sending_is_revived_by_the_flush(conversation, agent):
    set_status(conversation, "solved", agent)
    survey = Survey.objects.get(conversation=conversation)
    Survey.objects.filter(pk=survey.pk).update(status=SurveyStatus.SENDING, send_after=later(-11))
    assert surveys_flush() == 1
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.SENT


def test_only_the_hash_of_the_link_token_is_stored(inbox, agent):
    survey, token = sent_survey(inbox, agent)
    values = [str(v) for v in Survey.objects.filter(pk=survey.pk).values().get().values()]
    assert token not in values
    assert survey.token_hash == tokens.token_hash(token)


def test_the_survey_is_written_with_the_resolution_itself(conversation, agent):
    """Not after the commit: a process that dies right after resolving loses no survey."""
    from carefront.conversations.services import conversation_set_status

    # Inside the test's transaction, with no after-commit callback run (as in such a crash).
    conversation_set_status(conversation=conversation, status="solved", actor=agent)
    assert Survey.objects.get(conversation=conversation).status == SurveyStatus.SCHEDULED
    conversation_set_status(conversation=conversation, status="open", actor=agent)
    assert Survey.objects.get(conversation=conversation).status == SurveyStatus.CANCELLED


def test_a_survey_due_after_the_rating_window_is_cancelled_not_sent(conversation, agent):
    # A worker that was down for weeks (or a restored backup) must not mail old resolutions.
    set_status(conversation, "solved", agent)
    survey = Survey.objects.get(conversation=conversation)
    assert survey.resolved_at is not None
    weeks_later = timezone.now() + dt.timedelta(
        days=settings.CAREFRONT["RATING_WINDOW_DAYS"], hours=1
    )
    assert surveys_flush(now=weeks_later) == 1
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CANCELLED
    assert mail.outbox == []


def test_a_survey_due_just_inside_the_rating_window_is_sent(conversation, agent):
    set_status(conversation, "solved", agent)
    almost = timezone.now() + dt.timedelta(days=settings.CAREFRONT["RATING_WINDOW_DAYS"], hours=-1)
    assert surveys_flush(now=almost) == 1
    assert len(mail.outbox) == 1


@override_settings(CAREFRONT={**settings.CAREFRONT, "RATING_WINDOW_DAYS": 2})
def test_the_window_follows_the_setting(conversation, agent):
    set_status(conversation, "solved", agent)
    assert surveys_flush(now=timezone.now() + dt.timedelta(days=2, minutes=5)) == 1
    assert Survey.objects.get(conversation=conversation).status == SurveyStatus.CANCELLED
    assert mail.outbox == []


def test_no_survey_is_scheduled_for_a_resolution_older_than_the_window(conversation, agent):
    Conversation.objects.filter(pk=conversation.pk).update(status="solved")
    old = timezone.now() - dt.timedelta(days=settings.CAREFRONT["RATING_WINDOW_DAYS"] + 1)
    assert survey_schedule(conversation_id=conversation.pk, resolved_at=old) is None
    assert not Survey.objects.filter(conversation=conversation).exists()


def test_a_recent_resolution_is_scheduled_from_its_own_time(conversation, agent):
    Conversation.objects.filter(pk=conversation.pk).update(status="solved")
    resolved = timezone.now() - dt.timedelta(hours=3)
    survey = survey_schedule(conversation_id=conversation.pk, resolved_at=resolved)
    assert survey.resolved_at == resolved
    assert survey.send_after == resolved + dt.timedelta(
        minutes=conversation.inbox.rating_delay_minutes
    )


def test_rows_from_before_resolved_at_fall_back_to_their_creation_time(conversation, agent):
    set_status(conversation, "solved", agent)
    old = timezone.now() - dt.timedelta(days=settings.CAREFRONT["RATING_WINDOW_DAYS"] + 1)
    Survey.objects.filter(conversation=conversation).update(resolved_at=None, created_at=old)
    surveys_flush(now=later(61))
    assert Survey.objects.get(conversation=conversation).status == SurveyStatus.CANCELLED
    assert mail.outbox == []
