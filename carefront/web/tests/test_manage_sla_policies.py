"""The SLA policy pages of the admin area: list in order, create with every condition, edit,
validation that keeps what was typed, move up and down, delete, and admins only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.conversations.models import Priority, Tag
from carefront.sla.models import EscalateWhen, Requester, SlaPolicy, TimeBasis
from carefront.sla.services.policies import policy_rules
from carefront.sla.services.policies_admin import sla_policy_create

pytestmark = pytest.mark.django_db

LIST_URL = reverse("web:manage_sla_policies")
NEW_URL = reverse("web:manage_sla_policy_new")


def _form(**changes) -> dict:
    data = {
        "name": "Enterprise",
        "description": "Customers on the enterprise plan",
        "is_active": "on",
        "priorities": [],
        "channels": [],
        "tags": "",
        "customer_attribute": "plan",
        "customer_attribute_value": "enterprise",
        "requester": "",
        "first_reply_minutes": "1h",
        "first_reply_basis": "business",
        "next_reply_minutes": "2h 30m",
        "next_reply_basis": "business",
        "resolution_minutes": "",
        "resolution_basis": "calendar",
        "at_risk_minutes": "15",
        "notify_at_risk": "on",
        "notify_breached": "on",
        "raise_priority": "breached",
        "reassign_team": "",
        "reassign_when": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_creates_a_policy_with_every_kind_of_condition(admin_client, inbox, team):
    response = admin_client.post(
        NEW_URL,
        _form(
            inboxes=[inbox.pk],
            teams=[team.pk],
            priorities=[str(Priority.HIGH), str(Priority.URGENT)],
            channels=["email"],
            tags="VIP, renewal",
            requester="external",
            resolution_minutes="1d 4h",
            reassign_team=str(team.pk),
            reassign_when="at_risk",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    policy = SlaPolicy.objects.get(name="Enterprise")
    assert list(policy.inboxes.all()) == [inbox]
    assert list(policy.teams.all()) == [team]
    assert policy.priorities == [Priority.URGENT, Priority.HIGH]
    assert policy.channels == ["email"]
    assert sorted(t.name for t in policy.tags.all()) == ["renewal", "vip"]
    assert (policy.customer_attribute, policy.customer_attribute_value) == ("plan", "enterprise")
    assert policy.requester == Requester.EXTERNAL
    assert (policy.first_reply_minutes, policy.first_reply_basis) == (60, TimeBasis.BUSINESS)
    assert policy.next_reply_minutes == 150
    assert (policy.resolution_minutes, policy.resolution_basis) == (28 * 60, TimeBasis.CALENDAR)
    assert policy.at_risk_minutes == 15
    assert policy.raise_priority == EscalateWhen.BREACHED
    assert (policy.reassign_team, policy.reassign_when) == (team, EscalateWhen.AT_RISK)
    # The matching rules pick it up at once.
    assert [r.policy_id for r in policy_rules()] == [policy.pk]
    listing = admin_client.get(LIST_URL).content.decode()
    assert "plan = enterprise" in listing
    assert "First reply 1h (business hours)" in listing
    assert "Resolution 1d 4h (24/7)" in listing
    assert f"reassign to {team.name} when at risk" in listing


def test_the_edit_form_shows_what_was_saved_and_saves_it_back_unchanged(admin_client, team, inbox):
    saved = _form(
        tags="vip",
        inboxes=[inbox.pk],
        priorities=[str(Priority.URGENT)],
        channels=["api"],
        requester="internal",
        reassign_team=str(team.pk),
        reassign_when="breached",
    )
    admin_client.post(NEW_URL, saved)
    policy = SlaPolicy.objects.get()
    page = admin_client.get(reverse("web:manage_sla_policy", args=[policy.pk])).content.decode()
    assert 'value="2h 30m"' in page
    assert 'value="15m"' in page
    assert 'value="vip"' in page
    assert f'value="{Priority.URGENT}" id="id_priorities_0" checked' in page
    assert 'value="internal" id="id_requester_1" checked' in page
    before = SlaPolicy.objects.values().get()
    # What the page shows, posted back as it is.
    response = admin_client.post(
        reverse("web:manage_sla_policy", args=[policy.pk]),
        {**saved, "at_risk_minutes": "15m", "next_reply_minutes": "2h 30m"},
    )
    assert response.status_code == 302
    after = SlaPolicy.objects.values().get()
    before.pop("updated_at"), after.pop("updated_at")
    assert after == before
    assert list(policy.inboxes.all()) == [inbox]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"first_reply_minutes": "", "next_reply_minutes": ""},
            "Give at least one target: first reply, next reply or resolution.",
        ),
        ({"first_reply_minutes": "soon"}, "is not a duration"),
        ({"at_risk_minutes": "2h"}, "The at-risk warning must come before the shortest target"),
        ({"customer_attribute_value": ""}, "Give the value the customer attribute plan must have."),
        ({"reassign_when": "at_risk"}, "Choose the team to reassign to, or never reassign."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_bad_policy_is_refused_with_a_clear_error_and_keeps_what_was_typed(
    admin_client, changes, message
):
    response = admin_client.post(NEW_URL, _form(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page.replace("&quot;", '"').replace("&#x27;", "'")
    assert (
        'value="Customers on the enterprise plan"' in page
        or "Customers on the enterprise plan" in page
    )
    assert not SlaPolicy.objects.exists()


def test_a_second_policy_with_the_same_name_is_refused(admin_client, admin):
    sla_policy_create(actor=admin, name="Enterprise", first_reply_minutes=60)
    response = admin_client.post(NEW_URL, _form(name="enterprise"))
    assert response.status_code == 400
    assert "A policy named enterprise exists already." in response.content.decode()


def test_policies_are_listed_in_order_and_move_up_and_down(admin_client, admin):
    for name in ("A", "B", "C"):
        sla_policy_create(actor=admin, name=name, first_reply_minutes=60)
    c = SlaPolicy.objects.get(name="C")
    move = reverse("web:manage_sla_policy_move", args=[c.pk])
    assert admin_client.post(move, {"direction": "up"}).status_code == 303
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["A", "C", "B"]
    admin_client.post(move, {"direction": "up"})
    admin_client.post(move, {"direction": "up"})  # already first: stays
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["C", "A", "B"]
    admin_client.post(move, {"direction": "down"})
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["A", "C", "B"]
    # Matching follows the new order.
    assert [r.policy_id for r in policy_rules()] == list(
        SlaPolicy.objects.values_list("id", flat=True)
    )
    page = admin_client.get(LIST_URL).content.decode()
    assert page.index(">A</a>") < page.index(">C</a>") < page.index(">B</a>")
    assert admin_client.post(move, {"direction": "sideways"}).status_code == 400


def test_admin_deletes_a_policy(admin_client, admin):
    policy = sla_policy_create(actor=admin, name="Old", first_reply_minutes=60)
    response = admin_client.post(reverse("web:manage_sla_policy_delete", args=[policy.pk]))
    assert response.status_code == 302
    assert not SlaPolicy.objects.exists()


def test_the_list_costs_the_same_queries_for_more_policies(admin_client, admin, inbox, team):
    def count() -> int:
        admin_client.get(LIST_URL)
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(LIST_URL).status_code == 200
        return len(ctx.captured_queries)

    def make(n: int, start: int) -> None:
        for i in range(start, start + n):
            policy = sla_policy_create(
                actor=admin,
                name=f"P{i}",
                first_reply_minutes=60,
                inboxes=[inbox],
                teams=[team],
                tags=["vip"],
                reassign_team=team,
                reassign_when="breached",
            )
            assert policy

    make(2, 0)
    small = count()
    make(10, 2)
    assert count() == small


def test_agents_cannot_see_or_change_policies(agent_client, admin):
    policy = sla_policy_create(actor=admin, name="Enterprise", first_reply_minutes=60)
    assert agent_client.get(LIST_URL).status_code == 403
    assert agent_client.post(NEW_URL, _form(name="Mine")).status_code == 403
    url = reverse("web:manage_sla_policy_delete", args=[policy.pk])
    assert agent_client.post(url).status_code == 403
    assert SlaPolicy.objects.count() == 1
    assert not Tag.objects.exists()


def test_the_admin_menu_links_to_the_policies(admin_client):
    page = admin_client.get(reverse("web:manage_calendars")).content.decode()
    assert f'href="{LIST_URL}"' in page
