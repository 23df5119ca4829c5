"""The weekly recognition email: one per team and week, sent once to the team's active
members on the Monday after, put back or failed (never twice) when its sender dies."""

import datetime as dt

import pytest
from django.core import mail

from carefront.accounts.tests.factories import AgentFactory
from carefront.quality.models import DigestState, Kudos, RecognitionDigest
from carefront.quality.services.kudos import kudos_give
from carefront.quality.services.recognition_digest import (
    people_recover,
    recognition_digest_send,
    recognition_digests_recover,
    recognition_digests_schedule,
)

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
NEXT_MONDAY_9 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def kudos_this_week(agent, team):
    colleague = AgentFactory(name="Lena Berg")
    team.members.add(colleague)
    kudos = kudos_give(actor=colleague, receiver_id=agent.pk, message="Thanks for covering!")
    Kudos.objects.filter(pk=kudos.pk).update(created_at=WEDNESDAY)
    return kudos


def test_one_email_per_team_and_week_however_often_it_is_scheduled(team):
    assert recognition_digests_schedule(now=WEDNESDAY) == 1
    assert recognition_digests_schedule(now=WEDNESDAY + dt.timedelta(days=1)) == 0
    digest = RecognitionDigest.objects.get()
    assert digest.week_start == dt.date(2026, 11, 23)
    assert digest.send_after == dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def test_it_is_sent_once_on_the_monday_after_to_the_active_members(team, agent, kudos_this_week):
    gone = AgentFactory(is_active=False)
    team.members.add(gone)
    recognition_digests_schedule(now=WEDNESDAY)
    digest = RecognitionDigest.objects.get()
    assert recognition_digest_send(digest_id=digest.pk, now=WEDNESDAY) == DigestState.PENDING
    assert mail.outbox == []
    assert recognition_digest_send(digest_id=digest.pk, now=NEXT_MONDAY_9) == DigestState.SENT
    assert recognition_digest_send(digest_id=digest.pk, now=NEXT_MONDAY_9) == DigestState.SENT
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert gone.email not in email.to and agent.email in email.to
    assert "Thanks for covering!" in email.body and "Lena Berg" in email.body
    assert team.name in email.subject


def test_a_week_without_recognition_sends_nothing(team, agent):
    recognition_digests_schedule(now=WEDNESDAY)
    digest = RecognitionDigest.objects.get()
    assert recognition_digest_send(digest_id=digest.pk, now=NEXT_MONDAY_9) == DigestState.SKIPPED
    assert mail.outbox == []


def _claimed_by_a_dead_worker(digest, *, transmitted: bool):
    RecognitionDigest.objects.filter(pk=digest.pk).update(
        state=DigestState.SENDING,
        sending_by="elsewhere:999999:deadbeef",
        send_after=NEXT_MONDAY_9 - dt.timedelta(hours=1),
        transmit_started_at=NEXT_MONDAY_9 if transmitted else None,
    )


def test_a_sender_that_died_before_the_relay_is_replaced_and_it_goes_out_once(
    team, agent, kudos_this_week
):
    recognition_digests_schedule(now=WEDNESDAY)
    digest = RecognitionDigest.objects.get()
    _claimed_by_a_dead_worker(digest, transmitted=False)
    recognition_digests_recover(now=NEXT_MONDAY_9)
    digest.refresh_from_db()
    assert digest.state == DigestState.SENT
    assert len(mail.outbox) == 1
    recognition_digests_recover(now=NEXT_MONDAY_9 + dt.timedelta(minutes=1))
    assert len(mail.outbox) == 1


def test_a_sender_that_died_while_the_relay_had_it_is_never_sent_again(
    team, agent, kudos_this_week
):
    recognition_digests_schedule(now=WEDNESDAY)
    digest = RecognitionDigest.objects.get()
    _claimed_by_a_dead_worker(digest, transmitted=True)
    recognition_digests_recover(now=NEXT_MONDAY_9)
    digest.refresh_from_db()
    assert digest.state == DigestState.FAILED
    assert mail.outbox == []


def test_the_recovery_hook_schedules_next_weeks_emails_after_a_restart(team):
    assert people_recover(now=NEXT_MONDAY_9) >= 1
    assert RecognitionDigest.objects.filter(week_start=dt.date(2026, 11, 30)).exists()


def test_the_hook_is_registered_with_the_workers():
    from carefront.core import workers

    assert "quality-people" in [name for name, _hook in workers._recovery_hooks]


def test_each_new_weeks_email_is_queued_for_the_monday_after(monkeypatch, team):
    from carefront.quality import people_tasks

    scheduled = []

    class Deferring:
        supports_defer = True

    class Using:
        def __init__(self, run_after):
            self.run_after = run_after

        def enqueue(self, digest_id):
            scheduled.append((digest_id, self.run_after))

    class FakeTask:
        """Stands for the task on a database queue (django-tasks-db defers)."""

        def get_backend(self):
            return Deferring()

        def using(self, run_after):
            return Using(run_after)

    monkeypatch.setattr(people_tasks, "recognition_digest_send_task", FakeTask())
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        recognition_digests_schedule(now=WEDNESDAY)
    digest = RecognitionDigest.objects.get()
    assert scheduled == [(digest.pk, dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC))]
