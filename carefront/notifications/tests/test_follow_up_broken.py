"""A follow-up promise not kept by its due time tells its owner and the team's leads, once."""

import datetime as dt

import pytest
from django.utils import timezone

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.notifications.models import Notification, NotificationKind
from carefront.sla.services.followups import followup_create, followup_due

pytestmark = pytest.mark.django_db


def _promise(conversation, owner, actor):
    now = timezone.now()
    return followup_create(
        conversation=conversation,
        owner=owner,
        due_at=now + dt.timedelta(hours=2),
        actor=actor,
        note="Ask the warehouse",
        now=now,
    )


def test_a_broken_promise_tells_its_owner_and_the_teams_leads_once(conversation, agent, lead):
    owner = AgentFactory(role=Role.AGENT)
    conversation.team.members.add(owner)
    follow_up = _promise(conversation, owner, agent)
    later = follow_up.due_at + dt.timedelta(minutes=1)
    assert followup_due(follow_up_id=follow_up.pk, now=later) == "broken"
    followup_due(follow_up_id=follow_up.pk, now=later)  # the timer again: nothing new
    told = Notification.objects.filter(kind=NotificationKind.FOLLOW_UP_BROKEN)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted({owner.pk, lead.pk})
    assert {n.dedupe_key for n in told} == {f"follow-up:{follow_up.pk}:broken"}
    assert all(n.conversation_id == conversation.pk for n in told)


def test_a_kept_promise_tells_nobody(conversation, agent, lead):
    from carefront.sla.services.followups import followup_complete

    follow_up = _promise(conversation, agent, agent)
    followup_complete(follow_up=follow_up, actor=agent)
    followup_due(follow_up_id=follow_up.pk, now=follow_up.due_at + dt.timedelta(minutes=1))
    assert not Notification.objects.filter(kind=NotificationKind.FOLLOW_UP_BROKEN).exists()
