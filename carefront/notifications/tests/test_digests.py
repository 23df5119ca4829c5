"""Notification emails: batched per agent, sent once, never twice, and only when wanted."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from carefront.conversations.tests.factories import conversation_for
from carefront.notifications.models import DigestStatus, EmailDigest, Notification
from carefront.notifications.services import (
    digest_send,
    digests_recover,
    notification_digests_flush,
    notification_mark_read,
    notification_preferences_update,
    notifications_create_for_escalation,
)

from .factories import after_commit, later, sla_at_risk, sla_breached

pytestmark = pytest.mark.django_db

DEAD_WORKER = "elsewhere:4242:deadbeef"


def _agent_mail(agent) -> list:
    return [m for m in mail.outbox if m.to == [agent.email]]


def test_five_conversations_make_one_email_listing_each_with_a_link(inbox, agent, team):
    from carefront.conversations.services import conversation_assign

    conversations = []
    for i in range(5):
        conversation = conversation_for(inbox, subject=f"Parcel {i}")
        conversation_assign(conversation=conversation, assignee=agent, team=team, actor=agent)
        sla_breached(conversation, due_at=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC))
        conversations.append(conversation)
    assert EmailDigest.objects.filter(recipient=agent).count() == 1
    # Not due before the delay (two minutes by default).
    assert notification_digests_flush(now=later(1)) == 0
    assert _agent_mail(agent) == []
    assert notification_digests_flush(now=later(2.5)) == 1
    [email] = _agent_mail(agent)
    assert email.subject == "Carefront: 5 new notifications"
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"
    for conversation, notification in zip(
        conversations, Notification.objects.filter(recipient=agent).order_by("id"), strict=True
    ):
        assert f"#{conversation.pk} Parcel" in email.body
        assert f"https://help.example.test/notifications/{notification.pk}/" in email.body
    # The due time in the agent's zone (Europe/Berlin: 12:00 UTC is 1 p.m.).
    assert "Due March 1, 2026, 1 p.m." in email.body
    html = email.alternatives[0].content
    assert "First reply target breached" in html
    assert Notification.objects.filter(recipient=agent, emailed_at__isnull=True).count() == 0
    assert EmailDigest.objects.get(recipient=agent).status == DigestStatus.SENT


def test_the_digest_task_running_twice_sends_once(conversation, agent):
    sla_breached(conversation)
    digest = EmailDigest.objects.get(recipient=agent)
    assert digest_send(digest_id=digest.pk, now=later(3)) == DigestStatus.SENT
    assert digest_send(digest_id=digest.pk, now=later(4)) == DigestStatus.SENT
    assert notification_digests_flush(now=later(5)) == 0
    assert len(_agent_mail(agent)) == 1


def test_one_notification_names_it_in_the_subject(conversation, agent):
    sla_at_risk(conversation, kind="resolution")
    notification_digests_flush(now=later(3))
    [email] = _agent_mail(agent)
    assert email.subject == (
        f"Carefront: Resolution target at risk: #{conversation.pk} Where is my parcel?"
    )


def test_a_notification_after_the_email_left_waits_for_the_next_one(conversation, agent):
    sla_at_risk(conversation)
    notification_digests_flush(now=later(3))
    sla_breached(conversation)
    digests = EmailDigest.objects.filter(recipient=agent).order_by("id")
    assert [d.status for d in digests] == [DigestStatus.SENT, DigestStatus.PENDING]
    notification_digests_flush(now=later(6))
    assert len(_agent_mail(agent)) == 2
    assert "breached" in _agent_mail(agent)[1].subject


def test_an_agent_who_turned_email_off_gets_none(conversation, agent, lead):
    notification_preferences_update(agent=agent, email_digest=False)
    sla_breached(conversation)
    assert not EmailDigest.objects.filter(recipient=agent).exists()
    assert Notification.objects.get(recipient=agent).digest is None
    notification_digests_flush(now=later(3))
    assert _agent_mail(agent) == []
    assert len(_agent_mail(lead)) == 1  # the lead still wants them


def test_turning_email_off_while_a_digest_waits_cancels_it(conversation, agent):
    sla_breached(conversation)
    notification_preferences_update(agent=agent, email_digest=False)
    notification_digests_flush(now=later(3))
    assert _agent_mail(agent) == []
    assert EmailDigest.objects.get(recipient=agent).status == DigestStatus.CANCELLED


def test_what_was_read_in_the_app_before_the_email_is_left_out(inbox, agent, team):
    from carefront.conversations.services import conversation_assign

    first = conversation_for(inbox, subject="Read already")
    second = conversation_for(inbox, subject="Still unread")
    for conversation in (first, second):
        conversation_assign(conversation=conversation, assignee=agent, team=team, actor=agent)
        sla_breached(conversation)
    notification_mark_read(
        actor=agent,
        notification_id=Notification.objects.get(recipient=agent, conversation=first).pk,
    )
    notification_digests_flush(now=later(3))
    [email] = _agent_mail(agent)
    assert "Still unread" in email.subject
    assert "Read already" not in email.body


def test_nothing_is_emailed_when_everything_was_read(conversation, agent):
    [notification] = notifications_create_for_escalation(
        conversation_id=conversation.pk, kind="sla_breached", dedupe_key="k"
    )
    notification_mark_read(actor=agent, notification_id=notification.pk)
    notification_digests_flush(now=later(3))
    assert mail.outbox == []
    assert EmailDigest.objects.get(recipient=agent).status == DigestStatus.CANCELLED


def test_a_refusal_by_the_relay_is_retried_and_then_sent_once(conversation, agent, sink):
    sink.handler.refuse_with = "451 4.3.0 Try again later"
    sla_breached(conversation)
    digest = EmailDigest.objects.get(recipient=agent)
    assert digest_send(digest_id=digest.pk, now=later(3)) == DigestStatus.PENDING
    digest.refresh_from_db()
    assert digest.attempts == 1
    assert "451" in digest.last_error
    assert digest.send_after > later(3)
    sink.handler.refuse_with = None
    notification_digests_flush(now=digest.send_after + dt.timedelta(seconds=1))
    notification_digests_flush(now=digest.send_after + dt.timedelta(minutes=5))
    assert [m.rcpt_tos for m in sink.messages] == [[agent.email]]
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SENT
    assert sink.messages[0].message["Message-ID"] == f"<{digest.message_id}>"


def test_a_connection_lost_while_the_relay_had_it_is_never_sent_again(
    conversation, agent, monkeypatch
):
    from carefront.inboxes.email import outbound

    def lost_mid_transmission(email, *, before_transmit=None, on_accepted=None):
        before_transmit()
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(outbound, "send_built_email", lost_mid_transmission)
    sla_breached(conversation)
    digest = EmailDigest.objects.get(recipient=agent)
    assert digest_send(digest_id=digest.pk, now=later(3)) == DigestStatus.FAILED
    monkeypatch.undo()
    notification_digests_flush(now=later(60))
    assert mail.outbox == []
    digest.refresh_from_db()
    assert "not sent again" in digest.last_error
    # Still under the bell.
    assert Notification.objects.get(recipient=agent).read_at is None


def test_a_failure_before_the_relay_is_spoken_to_is_retried(conversation, agent, monkeypatch):
    from carefront.inboxes.email import outbound

    def unreachable(email, *, before_transmit=None, on_accepted=None):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr(outbound, "send_built_email", unreachable)
    sla_breached(conversation)
    digest = EmailDigest.objects.get(recipient=agent)
    assert digest_send(digest_id=digest.pk, now=later(3)) == DigestStatus.PENDING
    monkeypatch.undo()
    notification_digests_flush(now=later(10))
    assert len(_agent_mail(agent)) == 1


def test_a_retry_joins_a_digest_that_opened_meanwhile(inbox, agent, team, monkeypatch):
    """One digest waits per agent: a failed one hands its notifications to the waiting one."""
    from carefront.conversations.services import conversation_assign
    from carefront.inboxes.email import outbound

    first = conversation_for(inbox, subject="First")
    second = conversation_for(inbox, subject="Second")
    for conversation in (first, second):
        conversation_assign(conversation=conversation, assignee=agent, team=team, actor=agent)
    sla_breached(first)
    digest = EmailDigest.objects.get(recipient=agent)

    def unreachable(email, *, before_transmit=None, on_accepted=None):
        sla_breached(second)  # arrives while the first digest is being sent
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr(outbound, "send_built_email", unreachable)
    assert digest_send(digest_id=digest.pk, now=later(3)) == DigestStatus.CANCELLED
    monkeypatch.undo()
    notification_digests_flush(now=later(10))
    [email] = _agent_mail(agent)
    assert "First" in email.body and "Second" in email.body


def test_a_dead_workers_unsent_digest_is_sent_once_and_an_in_flight_one_never(
    inbox, agent, lead, team
):
    from carefront.conversations.services import conversation_assign

    conversation = conversation_for(inbox)
    conversation_assign(conversation=conversation, assignee=agent, team=team, actor=agent)
    sla_breached(conversation)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    claimed = {"status": DigestStatus.SENDING, "sending_by": DEAD_WORKER, "send_after": long_ago}
    # The agent's digest: claimed, the relay never spoken to. The lead's: the relay had it.
    EmailDigest.objects.filter(recipient=agent).update(**claimed)
    EmailDigest.objects.filter(recipient=lead).update(**claimed, transmit_started_at=long_ago)
    # The task, run again by the queue's recovery, finds them claimed: it sends nothing.
    for digest in EmailDigest.objects.all():
        assert digest_send(digest_id=digest.pk) == DigestStatus.SENDING
    assert mail.outbox == []
    with after_commit():
        assert digests_recover() == 2
    notification_digests_flush(now=later(1))
    notification_digests_flush(now=later(5))
    assert len(_agent_mail(agent)) == 1
    assert _agent_mail(lead) == []
    assert EmailDigest.objects.get(recipient=lead).status == DigestStatus.FAILED


def test_a_live_workers_digest_is_left_alone(conversation, agent):
    from carefront.core.workers import current_worker_id

    sla_breached(conversation)
    EmailDigest.objects.filter(recipient=agent).update(
        status=DigestStatus.SENDING, sending_by=current_worker_id(), send_after=timezone.now()
    )
    assert digests_recover() == 0
