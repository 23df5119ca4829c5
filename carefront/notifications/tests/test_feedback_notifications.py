"""Feedback tells people what needs them: a recovery task opened for, or reassigned to, an
agent tells that owner (once); praise tells the agent praised, and shows under their bell."""

import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.feedback.models import Praise, RecoveryTask
from carefront.feedback.services import recovery_reassign
from carefront.feedback.tests.factories import after_commit, rated, without_survey_throttle
from carefront.notifications.models import Notification, NotificationKind
from carefront.notifications.selectors import unread_badge
from carefront.notifications.texts import notification_headline, notification_note

pytestmark = pytest.mark.django_db


def test_a_recovery_task_tells_its_owner_once_with_what_the_customer_said(
    inbox, agent, lead, settings
):
    without_survey_throttle(settings)
    rated(inbox, agent, score="not_good", comment="My parcel never arrived")
    task = RecoveryTask.objects.get()
    told = Notification.objects.get(kind=NotificationKind.RECOVERY_ASSIGNED)
    assert told.recipient == lead
    assert told.conversation_id == task.conversation_id
    assert told.params["recovery_task_id"] == task.pk
    assert notification_note(told) == "My parcel never arrived"
    assert "recovery task" in notification_headline(told)
    # Nobody else (the agent credited is not the owner).
    assert Notification.objects.filter(kind=NotificationKind.RECOVERY_ASSIGNED).count() == 1


def test_a_reassigned_recovery_task_tells_the_new_owner(inbox, agent, lead, team):
    rated(inbox, agent, score="not_good", comment="Rude and slow")
    task = RecoveryTask.objects.get()
    other = AgentFactory(role=Role.LEAD, name="Otto Other")
    team.members.add(other)
    with after_commit():
        recovery_reassign(task=task, actor=lead, owner=other)
    told = Notification.objects.filter(kind=NotificationKind.RECOVERY_ASSIGNED)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([lead.pk, other.pk])
    # Handing it back to the lead does not tell them a second time.
    task.refresh_from_db()
    with after_commit():
        recovery_reassign(task=task, actor=other, owner=lead)
    assert told.filter(recipient=lead).count() == 1


def test_a_task_without_an_owner_tells_nobody(inbox, agent):
    rated(inbox, agent, score="not_good", comment="Never again")
    assert RecoveryTask.objects.get().owner_id is None
    assert not Notification.objects.filter(kind=NotificationKind.RECOVERY_ASSIGNED).exists()


def test_praise_tells_the_agent_and_rings_their_bell(inbox, agent):
    assert unread_badge(actor=agent)["unread_count"] == 0
    rated(inbox, agent, score="great", comment="Fast and very kind, thank you!")
    praise = Praise.objects.get()
    told = Notification.objects.get(kind=NotificationKind.PRAISE_RECEIVED)
    assert told.recipient == agent
    assert told.params["praise_id"] == praise.pk
    assert told.conversation_id == praise.conversation_id
    assert notification_note(told) == "Fast and very kind, thank you!"
    assert unread_badge(actor=agent)["unread_count"] == 1


def test_the_bell_page_shows_praise_and_opening_it_leads_to_the_profile(client, inbox, agent):
    rated(inbox, agent, score="great", comment="Lovely service")
    told = Notification.objects.get(kind=NotificationKind.PRAISE_RECEIVED)
    client.force_login(agent)
    page = client.get("/notifications/")
    assert "A customer praised you" in page.content.decode()
    assert "Lovely service" in page.content.decode()
    opened = client.get(f"/notifications/{told.pk}/")
    assert opened.status_code == 302
    assert opened["Location"] == "/profile/"


def test_opening_a_recovery_notification_leads_to_the_task(client, inbox, agent, lead):
    rated(inbox, agent, score="not_good", comment="Nobody answered")
    task = RecoveryTask.objects.get()
    told = Notification.objects.get(kind=NotificationKind.RECOVERY_ASSIGNED)
    client.force_login(lead)
    opened = client.get(f"/notifications/{told.pk}/")
    assert opened["Location"] == f"/recovery/{task.pk}/"


def test_someone_elses_notification_cannot_be_opened(client, inbox, agent, lead):
    rated(inbox, agent, score="not_good", comment="Nobody answered")
    told = Notification.objects.get(kind=NotificationKind.RECOVERY_ASSIGNED)
    client.force_login(agent)
    assert client.get(f"/notifications/{told.pk}/").status_code == 404
