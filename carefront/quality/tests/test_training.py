"""Training: a lead publishes to teams they lead, members are notified and acknowledge, leads
see who has not (and overdue), a reminder reaches only those who have not."""

import datetime as dt

import pytest

from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.notifications.models import Notification
from carefront.quality.models import TrainingAssignment
from carefront.quality.selectors_people import (
    access_training_item,
    training_for_agent,
    training_item_status,
    training_items_page,
)
from carefront.quality.services.training import (
    training_acknowledge,
    training_publish,
    training_remind,
)

from .people_factories import after_commit, in_days, lead_of, team_with_members

pytestmark = pytest.mark.django_db


def publish(lead, teams, **fields):
    values = {
        "title": "New refund policy",
        "url": "https://kb.example.test/refunds",
        "notes": "Read before Friday",
        "due_at": in_days(3),
    }
    values.update(fields)
    with after_commit():
        return training_publish(actor=lead, team_ids=[t.pk for t in teams], **values)


def test_publishing_assigns_and_notifies_every_member_of_the_teams():
    team, members = team_with_members(3)
    lead = lead_of(team)
    item = publish(lead, [team])
    assigned = set(TrainingAssignment.objects.filter(item=item).values_list("agent", flat=True))
    assert assigned == {m.pk for m in members} | {lead.pk}
    notified = Notification.objects.filter(kind="training_assigned")
    assert {n.recipient_id for n in notified} == assigned
    assert notified.first().params["path"] == "/training/"


def test_a_lead_cannot_publish_to_a_team_they_do_not_lead():
    team, _members = team_with_members(1)
    other = TeamFactory()
    lead = lead_of(team)
    with pytest.raises(NotFound):
        publish(lead, [team, other])
    assert not TrainingAssignment.objects.exists()


def test_an_agent_cannot_publish(agent, team):
    with pytest.raises(PermissionDenied):
        publish(agent, [team])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "  "),
        ("url", "javascript:alert(1)"),
        ("url", "//evil.example"),
        ("url", ""),
        ("due_at", None),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(field, value):
    team, _members = team_with_members(1)
    lead = lead_of(team)
    with pytest.raises(InvalidInput):
        publish(lead, [team], **{field: value})


def test_a_due_date_in_the_past_is_refused():
    team, _members = team_with_members(1)
    with pytest.raises(InvalidInput):
        publish(lead_of(team), [team], due_at=in_days(-1))


def test_a_knowledge_base_path_on_this_site_is_a_valid_link():
    team, _members = team_with_members(1)
    item = publish(lead_of(team), [team], url="/help/articles/refunds/")
    assert item.url == "/help/articles/refunds/"


def test_acknowledging_closes_the_item_for_the_agent_only_once():
    team, (ana, ben) = team_with_members(2)
    item = publish(lead_of(team), [team])
    first = training_acknowledge(actor=ana, item_id=item.pk)
    again = training_acknowledge(actor=ana, item_id=item.pk, now=in_days(1))
    assert again.acknowledged_at == first.acknowledged_at
    open_items, done = training_for_agent(actor=ana)
    assert open_items == [] and [a.item_id for a in done] == [item.pk]
    assert [a.item_id for a in training_for_agent(actor=ben)[0]] == [item.pk]


def test_an_agent_cannot_acknowledge_or_read_an_item_not_assigned_to_them(outsider):
    team, _members = team_with_members(1)
    item = publish(lead_of(team), [team])
    with pytest.raises(NotFound):
        training_acknowledge(actor=outsider, item_id=item.pk)
    with pytest.raises(NotFound):
        access_training_item(actor=outsider, item_id=item.pk)


def test_leads_see_who_has_not_acknowledged_and_who_is_overdue():
    team, (ana, ben) = team_with_members(2)
    lead = lead_of(team)
    item = publish(lead, [team])
    training_acknowledge(actor=ana, item_id=item.pk)
    _item, rows = training_item_status(actor=lead, item_id=item.pk, now=in_days(4))
    not_yet = [r.agent_id for r in rows if r.acknowledged_at is None]
    assert set(not_yet) == {ben.pk, lead.pk}
    assert rows[-1].agent_id == ana.pk  # those who have not come first
    assert all(r.is_overdue for r in rows if r.acknowledged_at is None)
    page = training_items_page(actor=lead)
    assert page.items[0].acknowledged == 1 and page.items[0].not_acknowledged == 2


def test_a_lead_of_another_team_cannot_see_the_item():
    team, _members = team_with_members(1)
    item = publish(lead_of(team), [team])
    other_lead = lead_of(TeamFactory())
    with pytest.raises(NotFound):
        training_item_status(actor=other_lead, item_id=item.pk)
    assert training_items_page(actor=other_lead).items == []


def test_the_reminder_reaches_only_those_who_have_not_acknowledged_and_only_once():
    team, (ana, ben) = team_with_members(2)
    item = publish(lead_of(team), [team])
    training_acknowledge(actor=ana, item_id=item.pk)
    reminded = training_remind(item_id=item.pk)
    assert reminded == 2  # ben and the lead
    assert training_remind(item_id=item.pk) == 0
    recipients = set(
        Notification.objects.filter(kind="training_due_soon").values_list("recipient", flat=True)
    )
    assert ana.pk not in recipients and ben.pk in recipients


def test_the_reminder_is_scheduled_a_day_before_the_due_time(monkeypatch):
    from carefront.quality import people_tasks

    scheduled = []

    class Deferring:
        supports_defer = True

    class Using:
        def __init__(self, run_after):
            self.run_after = run_after

        def enqueue(self, item_id):
            scheduled.append((item_id, self.run_after))

    class FakeTask:
        """Stands for the task on a database queue (django-tasks-db defers)."""

        def get_backend(self):
            return Deferring()

        def using(self, run_after):
            return Using(run_after)

    monkeypatch.setattr(people_tasks, "training_remind_task", FakeTask())
    team, _members = team_with_members(1)
    due = in_days(3)
    item = publish(lead_of(team), [team], due_at=due)
    assert scheduled == [(item.pk, due - dt.timedelta(days=1))]


def test_agents_who_join_later_are_not_assigned_retroactively():
    team, _members = team_with_members(1)
    item = publish(lead_of(team), [team])
    newcomer = AgentFactory()
    team.members.add(newcomer)
    assert not TrainingAssignment.objects.filter(item=item, agent=newcomer).exists()


def test_my_training_list_costs_the_same_queries_for_many_items(django_assert_num_queries):
    team, (ana,) = team_with_members(1)
    lead = lead_of(team)
    for i in range(8):
        publish(lead, [team], title=f"Item {i}")
    with django_assert_num_queries(2):
        open_items, _done = training_for_agent(actor=ana)
        assert len([a.item.title for a in open_items]) == 8
