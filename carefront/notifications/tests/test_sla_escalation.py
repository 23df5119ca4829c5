"""SLA escalation: a target at risk or breached tells the assignee and the team's leads, once."""

import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.services import conversation_assign
from carefront.conversations.tests.factories import conversation_for
from carefront.notifications.models import Notification, NotificationKind

from .factories import sla_at_risk, sla_breached

pytestmark = pytest.mark.django_db


def _recipients(kind: str | None = None) -> set[int]:
    qs = Notification.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return set(qs.values_list("recipient_id", flat=True))


def test_at_risk_notifies_the_assignee_and_the_teams_leads(conversation, agent, lead):
    AgentFactory(role=Role.LEAD)  # a lead of no team of this conversation
    teammate = AgentFactory(role=Role.AGENT)
    conversation.team.members.add(teammate)  # not a lead, not the assignee
    event = sla_at_risk(conversation, kind="first_reply")
    assert _recipients() == {agent.pk, lead.pk}
    notification = Notification.objects.get(recipient=agent)
    assert notification.kind == NotificationKind.SLA_AT_RISK
    assert notification.conversation_id == conversation.pk
    assert notification.dedupe_key == f"sla-target:{event.target_id}:at_risk"
    assert notification.params["target"] == "first_reply"
    assert notification.params["due_at"] == event.due_at.isoformat()


def test_the_same_target_never_notifies_twice(conversation, agent, lead):
    event = sla_at_risk(conversation)
    sla_at_risk(conversation, target_id=event.target_id)
    assert Notification.objects.count() == 2
    # Breaching is news of its own: one more each, and again only once.
    sla_breached(conversation, target_id=event.target_id)
    sla_breached(conversation, target_id=event.target_id)
    assert Notification.objects.count() == 4
    assert _recipients(NotificationKind.SLA_BREACHED) == {agent.pk, lead.pk}


def test_a_lead_who_is_the_assignee_is_told_once(inbox, team, lead):
    conversation = conversation_for(inbox)
    conversation_assign(conversation=conversation, assignee=lead, team=team, actor=lead)
    sla_breached(conversation)
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [lead.pk]


def test_without_notify_nobody_is_told(conversation):
    sla_at_risk(conversation, notify=False)
    sla_breached(conversation, notify=False)
    assert not Notification.objects.exists()


def test_without_a_team_the_leads_of_the_inbox_teams_are_told(inbox, team, lead):
    other_team = TeamFactory()
    inbox.teams.add(other_team)
    other_lead = AgentFactory(role=Role.LEAD)
    other_team.members.add(other_lead)
    unrelated = TeamFactory()
    unrelated_lead = AgentFactory(role=Role.LEAD)
    unrelated.members.add(unrelated_lead)
    conversation = conversation_for(inbox)  # unassigned, no team
    sla_breached(conversation)
    assert _recipients() == {lead.pk, other_lead.pk}


def test_deactivated_agents_are_not_told(conversation, agent, lead):
    lead.is_active = False
    lead.save(update_fields=["is_active"])
    sla_breached(conversation)
    assert _recipients() == {agent.pk}


def test_the_notification_commits_with_the_sla_engines_transaction(conversation):
    """The handler runs inside the publisher's transaction: rolled back together."""
    from django.db import transaction

    from carefront.core.events import publish
    from carefront.sla.events import SlaTargetBreached

    from .factories import later

    class RollbackError(Exception):
        pass

    with pytest.raises(RollbackError), transaction.atomic():
        publish(
            SlaTargetBreached(
                target_id=1,
                conversation_id=conversation.pk,
                kind="resolution",
                due_at=later(0),
                policy_id=None,
                notify=True,
            )
        )
        assert Notification.objects.count() == 1
        raise RollbackError
    assert not Notification.objects.exists()
