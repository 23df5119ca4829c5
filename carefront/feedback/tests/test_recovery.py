"""Recovery tasks: opened for bad ratings and negative comments (once per rating), owned by a
lead, due in business time, closed with an outcome; timeline rows and events."""

from datetime import UTC, datetime, timedelta

import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.models import Conversation, ConversationEvent, EventKind
from carefront.core.events import _in_transaction, _subscribers, subscribe
from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.feedback.events import RecoveryClosed, RecoveryOpened, RecoveryOverdue
from carefront.feedback.models import RecoveryTask
from carefront.feedback.services import (
    rating_record,
    recovery_close,
    recovery_mark_overdue,
    recovery_open,
    recovery_overdue_flush,
    recovery_reassign,
)
from carefront.feedback.tests.factories import after_commit, rated, sent_survey
from carefront.inboxes.models import Inbox
from carefront.sla.services import business_calendar_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_survey_throttle(settings):
    """One customer rates several conversations minutes apart here; the throttle (nobody asked
    twice in 90 days, tested in test_nps.py) would stop every survey but the first."""
    from carefront.feedback.tests.factories import without_survey_throttle

    without_survey_throttle(settings)


OFFICE_HOURS = {day: [(9 * 60, 17 * 60)] for day in range(5)}  # Mon-Fri 09:00-17:00
# Friday 2026-03-06 15:00 Berlin (14:00 UTC): two business hours left that day.
FRIDAY_3PM = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    def freeze(moment):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    return freeze


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


@pytest.fixture
def opened():
    seen: list[RecoveryOpened | RecoveryClosed] = []
    subscribe(RecoveryOpened, seen.append)
    subscribe(RecoveryClosed, seen.append)
    yield seen
    _subscribers[RecoveryOpened].remove(seen.append)
    _subscribers[RecoveryClosed].remove(seen.append)


def test_a_not_good_rating_opens_a_task_for_the_team_lead(inbox, agent, lead, opened):
    rating = rated(inbox, agent, score="not_good", comment="Parcel never arrived")
    task = RecoveryTask.objects.get()
    assert (task.source_kind, task.source_id) == ("csat", rating.pk)
    assert task.reason == "bad_rating"
    assert task.owner == lead
    assert task.agent == agent
    assert task.customer_id == rating.customer_id
    assert task.conversation_id == rating.conversation_id
    assert task.inbox == inbox
    assert task.is_open
    assert task.comment == "Parcel never arrived"
    assert opened == [
        RecoveryOpened(
            recovery_task_id=task.pk,
            source_kind="csat",
            source_id=rating.pk,
            reason="bad_rating",
            customer_id=rating.customer_id,
            conversation_id=rating.conversation_id,
            owner_id=lead.pk,
        )
    ]
    row = ConversationEvent.objects.get(kind=EventKind.RECOVERY_OPENED)
    assert row.data["task"] == task.pk
    assert row.data["owner_name"] == "Lena Lead"


def test_a_good_score_with_a_negative_comment_opens_a_task_and_keeps_why(inbox, agent, lead):
    rated(inbox, agent, score="okay", comment="The agent was rude and the answer useless.")
    task = RecoveryTask.objects.get()
    assert task.reason == "negative_comment"
    assert task.sentiment_score < -0.25
    assert {d["text"] for d in task.sentiment_drivers} >= {"rude", "useless"}


@pytest.mark.parametrize(
    ("score", "comment"),
    [("great", "Thanks, quick and friendly"), ("okay", ""), ("okay", "Had an issue, now sorted")],
)
def test_good_ratings_open_no_task(inbox, agent, lead, score, comment):
    rated(inbox, agent, score=score, comment=comment)
    assert not RecoveryTask.objects.exists()


def test_a_comment_in_an_unsupported_language_opens_no_task_on_its_own(inbox, agent, lead):
    rated(inbox, agent, score="okay", comment="Le service était vraiment nul, très déçu")
    assert not RecoveryTask.objects.exists()


def test_a_changed_rating_does_not_open_a_second_task(inbox, agent, lead):
    survey, _token = sent_survey(inbox, agent)
    with after_commit():
        rating_record(survey=survey, score="not_good")
    with after_commit():
        rating_record(survey=survey, score="okay", comment="still terrible and slow")
    with after_commit():
        rating_record(survey=survey, score="not_good", comment="Awful")
    assert RecoveryTask.objects.count() == 1


def test_a_rating_changed_to_not_good_opens_its_task_then(inbox, agent, lead):
    survey, _token = sent_survey(inbox, agent)
    with after_commit():
        rating_record(survey=survey, score="great")
    assert not RecoveryTask.objects.exists()
    with after_commit():
        rating_record(survey=survey, score="not_good")
    assert RecoveryTask.objects.get().reason == "bad_rating"


def test_the_inbox_recovery_owner_wins_over_the_team_lead(inbox, agent, lead, admin):
    Inbox.objects.filter(pk=inbox.pk).update(recovery_owner=admin)
    rated(inbox, agent, score="not_good")
    assert RecoveryTask.objects.get().owner == admin


def test_the_conversations_team_lead_comes_before_the_inbox_teams(inbox, agent, lead):
    other = TeamFactory()
    other_lead = AgentFactory(role=Role.LEAD, name="Aaron Other")
    other.members.add(other_lead)
    rating = rated(inbox, agent, score="not_good")
    assert RecoveryTask.objects.get().owner == lead  # the inbox's team
    Conversation.objects.filter(pk=rating.conversation_id).update(team=other)
    task = recovery_open(
        source_kind="nps",
        source_id=99,
        customer_id=rating.customer_id,
        conversation_id=rating.conversation_id,
        reason="detractor",
        score="3",
    )
    assert task.owner == other_lead


def test_without_any_lead_the_task_is_unowned(inbox, agent):
    rated(inbox, agent, score="not_good")
    assert RecoveryTask.objects.get().owner is None


def test_due_in_calendar_hours_without_a_calendar(inbox, agent, lead, frozen):
    frozen(FRIDAY_3PM)
    rated(inbox, agent, score="not_good")
    assert RecoveryTask.objects.get().due_at == FRIDAY_3PM + timedelta(hours=8)


def test_due_in_business_hours_of_the_inbox_calendar(inbox, agent, lead, admin, frozen):
    business_calendar_create(
        actor=admin,
        name="Berlin office",
        time_zone="Europe/Berlin",
        hours=OFFICE_HOURS,
        inboxes=[inbox],
    )
    frozen(FRIDAY_3PM)
    rated(inbox, agent, score="not_good")
    # 2 hours on Friday (until 17:00), 6 on Monday from 09:00 Berlin: 15:00 Berlin = 14:00 UTC.
    assert RecoveryTask.objects.get().due_at == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def test_recovery_open_is_source_agnostic_and_idempotent(inbox, agent, lead):
    rating = rated(inbox, agent, score="great")
    first = recovery_open(
        source_kind="nps",
        source_id=7,
        customer_id=rating.customer_id,
        inbox_id=inbox.pk,
        reason="detractor",
        score="2",
        comment="Too expensive",
    )
    again = recovery_open(
        source_kind="nps", source_id=7, customer_id=rating.customer_id, reason="detractor"
    )
    assert again.pk == first.pk
    assert first.conversation is None
    assert first.owner == lead  # a lead of the inbox's teams
    assert RecoveryTask.objects.count() == 1
    assert not ConversationEvent.objects.filter(kind=EventKind.RECOVERY_OPENED).exists()


@pytest.mark.parametrize(("kind", "reason"), [("survey", "bad_rating"), ("nps", "unhappy")])
def test_recovery_open_refuses_unknown_sources_and_reasons(inbox, agent, kind, reason):
    rating = rated(inbox, agent, score="great")
    with pytest.raises(InvalidInput):
        recovery_open(source_kind=kind, source_id=1, customer_id=rating.customer_id, reason=reason)


def test_the_owner_closes_with_an_outcome_and_a_note(inbox, agent, lead, opened, frozen):
    rated(inbox, agent, score="not_good")
    task = RecoveryTask.objects.get()
    frozen(FRIDAY_3PM)
    with after_commit():
        recovery_close(task=task, actor=lead, outcome="contacted", note="  Called, resent.  ")
    task.refresh_from_db()
    assert (task.state, task.outcome, task.note) == ("closed", "contacted", "Called, resent.")
    assert (task.closed_by, task.closed_at) == (lead, FRIDAY_3PM)
    assert opened[-1] == RecoveryClosed(
        recovery_task_id=task.pk,
        conversation_id=task.conversation_id,
        outcome="contacted",
        closed_by_id=lead.pk,
    )
    row = ConversationEvent.objects.get(kind=EventKind.RECOVERY_CLOSED)
    assert (row.actor, row.data["outcome"], row.data["note"]) == (
        lead,
        "contacted",
        "Called, resent.",
    )


def test_closing_needs_a_known_outcome_and_happens_once(inbox, agent, lead):
    rated(inbox, agent, score="not_good")
    task = RecoveryTask.objects.get()
    with pytest.raises(InvalidInput, match="Choose an outcome"):
        recovery_close(task=task, actor=lead, outcome="")
    with pytest.raises(InvalidInput, match="at most"):
        recovery_close(task=task, actor=lead, outcome="resolved", note="x" * 4001)
    assert RecoveryTask.objects.get().is_open
    recovery_close(task=task, actor=lead, outcome="resolved")
    with pytest.raises(InvalidInput, match="already closed"):
        recovery_close(task=task, actor=lead, outcome="contacted")
    assert RecoveryTask.objects.get().outcome == "resolved"


def test_an_agent_who_does_not_own_the_task_may_not_close_or_reassign_it(inbox, agent, lead):
    rated(inbox, agent, score="not_good")
    task = RecoveryTask.objects.get()
    with pytest.raises(PermissionDenied):
        recovery_close(task=task, actor=agent, outcome="resolved")
    with pytest.raises(PermissionDenied):
        recovery_reassign(task=task, actor=agent, owner=agent)
    assert RecoveryTask.objects.get().owner == lead


def test_a_lead_reassigns_to_an_agent_who_may_then_close_it(inbox, agent, lead):
    rated(inbox, agent, score="not_good")
    task = recovery_reassign(task=RecoveryTask.objects.get(), actor=lead, owner=agent)
    assert task.owner == agent
    row = ConversationEvent.objects.get(kind=EventKind.RECOVERY_REASSIGNED)
    assert row.data["owner_name"] == agent.name
    recovery_close(task=task, actor=agent, outcome="could_not_reach")
    assert RecoveryTask.objects.get().outcome == "could_not_reach"


def test_a_failing_recovery_never_loses_the_rating(inbox, agent, lead, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("carefront.feedback.handlers.recovery_for_rating", broken)
    rating = rated(inbox, agent, score="not_good")
    assert rating.pk
    assert not RecoveryTask.objects.exists()


def test_handlers_are_registered_in_the_ratings_transaction():
    from carefront.feedback.events import RatingReceived
    from carefront.feedback.handlers import on_rating_received

    assert on_rating_received in _in_transaction[RatingReceived]


def test_recovery_open_drops_nul_characters_from_a_source(inbox, agent, lead):
    rating = rated(inbox, agent, score="great")
    task = recovery_open(
        source_kind="nps",
        source_id=3,
        customer_id=rating.customer_id,
        reason="detractor",
        score="2\x00",
        comment="bad\x00 service",
    )
    task.refresh_from_db()
    assert (task.score, task.comment) == ("2", "bad service")


@pytest.fixture
def overdue_events():
    seen: list[RecoveryOverdue] = []
    subscribe(RecoveryOverdue, seen.append)
    yield seen
    _subscribers[RecoveryOverdue].remove(seen.append)


def test_a_task_still_open_at_its_due_time_is_found_overdue_once(
    inbox, agent, lead, frozen, overdue_events
):
    frozen(FRIDAY_3PM)
    rated(inbox, agent, score="not_good")
    task = RecoveryTask.objects.get()
    assert not recovery_mark_overdue(task_id=task.pk, now=task.due_at - timedelta(seconds=1))
    with after_commit():
        assert recovery_mark_overdue(task_id=task.pk, now=task.due_at)
    with after_commit():
        assert not recovery_mark_overdue(task_id=task.pk, now=task.due_at + timedelta(hours=1))
    assert overdue_events == [
        RecoveryOverdue(
            recovery_task_id=task.pk, conversation_id=task.conversation_id, owner_id=lead.pk
        )
    ]
    assert RecoveryTask.objects.get().overdue_at == task.due_at


def test_a_closed_task_is_never_overdue(inbox, agent, lead, overdue_events):
    rated(inbox, agent, score="not_good")
    task = RecoveryTask.objects.get()
    recovery_close(task=task, actor=lead, outcome="resolved")
    assert not recovery_mark_overdue(task_id=task.pk, now=task.due_at + timedelta(days=1))
    assert overdue_events == []


def test_the_flush_finds_the_tasks_past_due(inbox, agent, lead, frozen):
    frozen(FRIDAY_3PM)
    rated(inbox, agent, score="not_good", subject="First")
    rated(inbox, agent, score="not_good", subject="Second")
    first, second = RecoveryTask.objects.order_by("id")
    RecoveryTask.objects.filter(pk=second.pk).update(due_at=FRIDAY_3PM + timedelta(days=3))
    later = FRIDAY_3PM + timedelta(hours=9)
    assert recovery_overdue_flush(now=later) == 1
    assert recovery_overdue_flush(now=later) == 0
    assert RecoveryTask.objects.get(pk=first.pk).overdue_at == later
    assert RecoveryTask.objects.get(pk=second.pk).overdue_at is None


def test_the_overdue_check_is_scheduled_at_the_due_time_when_the_queue_defers(
    inbox, agent, lead, monkeypatch
):
    from carefront.feedback import tasks

    scheduled = []

    class Deferring:
        supports_defer = True

    class Using:
        def __init__(self, run_after):
            self.run_after = run_after

        def enqueue(self, task_id):
            scheduled.append((task_id, self.run_after))

    class FakeTask:
        """Stands for the task on a database queue (django-tasks-db defers)."""

        def get_backend(self):
            return Deferring()

        def using(self, run_after):
            return Using(run_after)

    monkeypatch.setattr(tasks, "recovery_overdue_task", FakeTask())
    rated(inbox, agent, score="not_good")
    task = RecoveryTask.objects.get()
    assert scheduled == [(task.pk, task.due_at)]


@pytest.mark.parametrize(("score", "opens"), [(0, True), (6, True), (7, False), (10, False)])
def test_an_nps_detractor_opens_a_task_owned_by_the_sending_inboxs_lead(
    inbox, team, lead, admin, score, opens
):
    from carefront.feedback.services import nps_answer_record
    from carefront.feedback.tests.factories import sent_invitation

    inbox.teams.add(team)
    invitation, _token = sent_invitation(admin, inbox, email="nina@example.com")
    with after_commit():
        response = nps_answer_record(invitation=invitation, score=score, comment="Too slow")
    task = RecoveryTask.objects.filter(source_kind="nps", source_id=response.pk).first()
    assert (task is not None) == opens
    if opens:
        assert (task.reason, task.score, task.comment) == ("detractor", str(score), "Too slow")
        assert (task.customer_id, task.inbox_id, task.owner_id) == (
            invitation.customer_id,
            inbox.pk,
            lead.pk,
        )


def test_a_detractor_who_changes_their_answer_keeps_one_task(inbox, team, lead, admin):
    from carefront.feedback.services import nps_answer_record
    from carefront.feedback.tests.factories import sent_invitation

    inbox.teams.add(team)
    invitation, _token = sent_invitation(admin, inbox, email="nina@example.com")
    for score in (3, 2, 9):
        with after_commit():
            nps_answer_record(invitation=invitation, score=score)
    assert RecoveryTask.objects.filter(source_kind="nps").count() == 1
