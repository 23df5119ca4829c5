"""Timers: they fire once, do nothing when the target moved on, and escalate as the policy says
(integration, frozen time)."""

import datetime as dt

import pytest

from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.models import ConversationEvent, EventKind, Priority
from carefront.conversations.services import conversation_reply, conversation_set_priority
from carefront.conversations.tests.factories import conversation_for
from carefront.sla.events import SlaTargetAtRisk, SlaTargetBreached
from carefront.sla.models import SlaTarget, TargetKind
from carefront.sla.services.targets import AT_RISK, BREACH, sla_timer_fire
from carefront.sla.tasks import sla_timer_task

from .conftest import START

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def first_reply(conversation) -> SlaTarget:
    return SlaTarget.objects.get(conversation=conversation, kind=TargetKind.FIRST_REPLY)


def test_at_risk_then_breach_fire_once_each(inbox, policy, clock, sla_events_seen):
    conversation = conversation_for(inbox)
    target = first_reply(conversation)
    clock.now = target.at_risk_at
    assert sla_timer_fire(target_id=target.pk, version=target.version, which=AT_RISK) == "fired"
    assert sla_timer_fire(target_id=target.pk, version=target.version, which=AT_RISK) == "done"
    clock.now = target.due_at
    # The task itself, run twice (a worker that died after running it, recovered).
    assert sla_timer_task.call(target.pk, target.version, BREACH) == "fired"
    assert sla_timer_task.call(target.pk, target.version, BREACH) == "done"
    target.refresh_from_db()
    assert target.at_risk_fired_at == START + 30 * M
    assert target.breached_at == target.due_at == START + 60 * M
    kinds = [type(e) for e in sla_events_seen]
    assert kinds == [SlaTargetAtRisk, SlaTargetBreached]
    breached = sla_events_seen[1]
    assert (breached.target_id, breached.kind, breached.notify) == (target.pk, "first_reply", True)


def test_a_timer_of_an_earlier_version_does_nothing(inbox, agent, policy, clock, sla_events_seen):
    conversation = conversation_for(inbox)
    target = first_reply(conversation)
    clock.advance(minutes=5)
    conversation_set_priority(conversation=conversation, priority="high", actor=agent)
    conversation.refresh_from_db()
    clock.now = target.due_at
    # Same policy, same due time: the target did not move, its timer still stands.
    assert sla_timer_fire(target_id=target.pk, version=target.version, which=BREACH) == "fired"


def test_a_timer_of_a_met_target_does_nothing(inbox, agent, policy, clock, sla_events_seen):
    conversation = conversation_for(inbox)
    target = first_reply(conversation)
    clock.advance(minutes=10)
    conversation_reply(conversation=conversation, author=agent, body="Hi")
    clock.now = target.due_at
    assert sla_timer_fire(target_id=target.pk, version=target.version, which=BREACH) == "stale"
    assert [type(e).__name__ for e in sla_events_seen] == ["SlaTargetMet"]


def test_a_paused_then_resumed_target_ignores_its_old_timer(inbox, agent, policy, clock):
    from carefront.conversations.services import conversation_set_status

    conversation = conversation_for(inbox)
    old = first_reply(conversation)
    clock.advance(minutes=10)
    conversation_set_status(conversation=conversation, status="pending", actor=agent)
    clock.advance(minutes=30)
    conversation_set_status(conversation=conversation, status="open", actor=agent)
    clock.now = old.due_at
    assert sla_timer_fire(target_id=old.pk, version=old.version, which=BREACH) == "stale"
    new = first_reply(conversation)
    assert new.due_at == old.due_at + 30 * M
    clock.now = new.due_at
    assert sla_timer_fire(target_id=new.pk, version=new.version, which=BREACH) == "fired"


def test_a_timer_run_early_is_set_again(inbox, policy, clock, django_capture_on_commit_callbacks):
    conversation = conversation_for(inbox)
    target = first_reply(conversation)
    assert sla_timer_fire(target_id=target.pk, version=target.version, which=BREACH) == "early"
    target.refresh_from_db()
    assert target.breach_fired_at is None


def test_breach_raises_the_priority_by_the_system(inbox, policy, clock):
    policy.raise_priority = "breached"
    policy.save()
    conversation = conversation_for(inbox)
    target = first_reply(conversation)
    clock.now = target.due_at
    sla_timer_fire(target_id=target.pk, version=target.version, which=BREACH)
    conversation.refresh_from_db()
    assert conversation.priority == Priority.HIGH
    row = ConversationEvent.objects.get(conversation=conversation, kind=EventKind.PRIORITY_CHANGED)
    assert (row.actor_id, row.data) == (None, {"old": "normal", "new": "high"})
    # The breach fired once, even though the priority change re-applied the policy.
    assert sla_timer_fire(target_id=target.pk, version=target.version + 1, which=BREACH) in {
        "done",
        "stale",
    }


def test_an_urgent_conversation_is_not_raised_further(inbox, agent, policy, clock):
    policy.raise_priority = "at_risk"
    policy.save()
    conversation = conversation_for(inbox)
    conversation_set_priority(conversation=conversation, priority="urgent", actor=agent)
    target = first_reply(conversation)
    clock.now = target.at_risk_at
    assert sla_timer_fire(target_id=target.pk, version=target.version, which=AT_RISK) == "fired"
    conversation.refresh_from_db()
    assert conversation.priority == Priority.URGENT


def test_at_risk_reassigns_to_the_team_and_unassigns_a_non_member(inbox, agent, policy, clock):
    specialists = TeamFactory(name="Specialists")
    policy.reassign_team = specialists
    policy.reassign_when = "at_risk"
    policy.save()
    conversation = conversation_for(inbox)
    from carefront.conversations.services import conversation_assign

    conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    target = first_reply(conversation)
    clock.now = target.at_risk_at
    sla_timer_fire(target_id=target.pk, version=target.version, which=AT_RISK)
    conversation.refresh_from_db()
    assert (conversation.team_id, conversation.assignee_id) == (specialists.pk, None)
    row = ConversationEvent.objects.filter(kind=EventKind.ASSIGNED).latest("id")
    assert row.actor_id is None


def test_reassignment_keeps_an_assignee_who_is_in_the_team(inbox, policy, clock):
    specialists = TeamFactory(name="Specialists")
    expert = AgentFactory()
    specialists.members.add(expert)
    inbox.teams.add(specialists)
    policy.reassign_team = specialists
    policy.reassign_when = "breached"
    policy.save()
    conversation = conversation_for(inbox)
    from carefront.conversations.services import conversation_assign

    conversation_assign(conversation=conversation, assignee=expert, actor=expert)
    target = first_reply(conversation)
    clock.now = target.due_at
    sla_timer_fire(target_id=target.pk, version=target.version, which=BREACH)
    conversation.refresh_from_db()
    assert (conversation.team_id, conversation.assignee_id) == (specialists.pk, expert.pk)


def test_no_notification_flag_when_the_policy_says_not_to(inbox, policy, clock, sla_events_seen):
    policy.notify_breached = False
    policy.save()
    conversation = conversation_for(inbox)
    target = first_reply(conversation)
    clock.now = target.due_at
    sla_timer_fire(target_id=target.pk, version=target.version, which=BREACH)
    assert sla_events_seen[-1].notify is False


def test_a_breach_leaves_a_timeline_row_once(inbox, policy, clock):
    from carefront.web.templatetags.carefront_web import describe_event

    conversation = conversation_for(inbox)
    target = first_reply(conversation)
    clock.now = target.due_at
    for _ in range(2):
        sla_timer_fire(target_id=target.pk, version=target.version, which=BREACH)
    [row] = ConversationEvent.objects.filter(kind=EventKind.SLA_BREACHED)
    assert (row.actor_id, row.data["target"], row.data["target_id"]) == (
        None,
        "first_reply",
        target.pk,
    )
    assert describe_event(row, {}) == "SLA missed: First reply target breached"
