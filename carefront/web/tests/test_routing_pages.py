"""The status menu, the heartbeat, chat offers, chats waiting and the routing admin page."""

import datetime as dt

import pytest
from django.urls import reverse

from carefront.accounts.models import Agent, Availability
from carefront.accounts.services import agent_set_availability
from carefront.automation.models import AssignmentPolicy, ChatRouting, ChatState
from carefront.automation.routing import chat_route
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory


@pytest.fixture
def chat_inbox(team):
    return InboxFactory(teams=[team], channel="chat")


def test_the_status_menu_is_in_the_top_bar(agent_client):
    page = agent_client.get(reverse("web:inbox")).content.decode()
    assert "data-availability-form" in page
    assert "web/availability.js" in page
    assert reverse("web:chats_waiting") in page


def test_choosing_a_status_without_javascript(agent_client, agent):
    response = agent_client.post(
        reverse("web:availability_set"), {"availability": "online", "next": "/followups/"}
    )
    assert response.status_code == 303
    assert response["Location"] == "/followups/"
    assert Agent.objects.get(pk=agent.pk).availability == "online"


def test_an_outside_next_is_not_followed(agent_client):
    response = agent_client.post(
        reverse("web:availability_set"),
        {"availability": "away", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("web:inbox")


def test_choosing_a_status_with_javascript(agent_client, agent):
    response = agent_client.post(
        reverse("web:availability_set"),
        {"availability": "away"},
        headers={"Accept": "application/json"},
    )
    assert response.json() == {"availability": "away"}


def test_a_bad_status_is_a_clear_error(agent_client, agent):
    response = agent_client.post(reverse("web:availability_set"), {"availability": "x"})
    assert response.status_code == 400
    assert Agent.objects.get(pk=agent.pk).availability == "offline"


def test_the_heartbeat_records_activity(agent_client, agent):
    assert agent_client.post(reverse("web:availability_seen")).status_code == 204
    assert Agent.objects.get(pk=agent.pk).last_active_at is not None


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    assert client.post(reverse("web:availability_seen")).status_code == 302
    assert client.get(reverse("web:chats_waiting")).status_code == 302


def test_status_changes_need_post(agent_client):
    assert agent_client.get(reverse("web:availability_set")).status_code == 405


def test_accepting_an_offer(agent_client, agent, chat_inbox):
    agent_set_availability(agent=agent, availability=Availability.ONLINE)
    chat = conversation_for(chat_inbox)
    assert chat_route(conversation_id=chat.pk).agent_id == agent.pk

    response = agent_client.post(
        reverse("web:chat_offer_accept", args=[chat.pk]), headers={"Accept": "application/json"}
    )

    assert response.status_code == 200
    assert response.json()["url"] == reverse("web:conversation", args=[chat.pk])
    assert ChatRouting.objects.get(pk=chat.pk).state == ChatState.ACCEPTED


def test_declining_an_offer(agent_client, agent, chat_inbox):
    agent_set_availability(agent=agent, availability=Availability.ONLINE)
    chat = conversation_for(chat_inbox)
    chat_route(conversation_id=chat.pk)

    response = agent_client.post(reverse("web:chat_offer_decline", args=[chat.pk]))

    assert response.status_code == 303
    assert ChatRouting.objects.get(pk=chat.pk).state == ChatState.QUEUED
    # Declined twice: a clear message, not an error page.
    again = agent_client.post(
        reverse("web:chat_offer_decline", args=[chat.pk]), headers={"Accept": "application/json"}
    )
    assert again.status_code == 409


def test_an_outsider_cannot_take_a_chat(outsider_client, chat_inbox):
    chat = conversation_for(chat_inbox)
    chat_route(conversation_id=chat.pk)
    response = outsider_client.post(reverse("web:chat_offer_accept", args=[chat.pk]))
    assert response.status_code == 404
    assert ChatRouting.objects.get(pk=chat.pk).state == ChatState.QUEUED
    assert (
        b"Accept"
        not in outsider_client.get(reverse("web:chats_waiting")).content.split(b"<main")[1]
    )


def test_unknown_chats_are_not_found(agent_client):
    assert agent_client.post(reverse("web:chat_offer_accept", args=[999999])).status_code == 404


def test_chats_waiting_lists_the_queue_in_constant_queries(
    agent_client, agent, chat_inbox, django_assert_max_num_queries
):
    base = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
    for i in range(3):
        chat_route(
            conversation_id=conversation_for(chat_inbox).pk, now=base + dt.timedelta(seconds=i)
        )
    agent_client.get(reverse("web:chats_waiting"))  # warm the caches
    with django_assert_max_num_queries(12) as few:
        page = agent_client.get(reverse("web:chats_waiting"))
    for _ in range(5):
        chat_route(conversation_id=conversation_for(chat_inbox).pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        more = agent_client.get(reverse("web:chats_waiting"))
    assert page.status_code == more.status_code == 200
    assert more.content.decode().count(">Accept<") == 8


def test_admins_manage_policies(admin_client, inbox):
    response = admin_client.post(
        reverse("web:manage_routing"),
        {
            "scope": f"inbox:{inbox.pk}",
            "enabled": "on",
            "strategy": "least_loaded",
            "reassign_after_away_minutes": "30",
            "chat_accept_seconds": "45",
            "chat_wait_minutes": "3",
        },
    )
    assert response.status_code == 303
    policy = AssignmentPolicy.objects.get(inbox=inbox)
    assert (policy.strategy, policy.reassign_after_away_minutes) == ("least_loaded", 30)

    page = admin_client.get(reverse("web:manage_routing")).content.decode()
    assert "Least loaded" in page
    twice = admin_client.post(
        reverse("web:manage_routing"),
        {
            "scope": f"inbox:{inbox.pk}",
            "strategy": "round_robin",
            "chat_accept_seconds": "45",
            "chat_wait_minutes": "3",
        },
    )
    assert twice.status_code == 400
    delete = admin_client.post(reverse("web:manage_routing_delete", args=[policy.pk]))
    assert delete.status_code == 302
    assert not AssignmentPolicy.objects.exists()


def test_bad_policy_input_is_a_clear_error(admin_client):
    response = admin_client.post(
        reverse("web:manage_routing"),
        {"scope": "inbox:999999", "strategy": "x", "chat_accept_seconds": "-1"},
    )
    assert response.status_code == 400
    assert not AssignmentPolicy.objects.exists()


def test_agents_and_leads_cannot_manage_routing(agent_client):
    assert agent_client.get(reverse("web:manage_routing")).status_code == 403


def test_routing_page_queries_do_not_grow(admin_client, team, django_assert_max_num_queries):
    AssignmentPolicy.objects.create(team=team)
    admin_client.get(reverse("web:manage_routing"))
    with django_assert_max_num_queries(30) as few:
        admin_client.get(reverse("web:manage_routing"))
    for _ in range(4):
        AssignmentPolicy.objects.create(inbox=InboxFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get(reverse("web:manage_routing")).status_code == 200


def test_capacity_on_the_agent_admin_page(admin_client, agent):
    response = admin_client.post(
        reverse("web:manage_agent", args=[agent.pk]),
        {"name": agent.name, "role": "agent", "chat_capacity": "5", "conversation_capacity": "20"},
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.chat_capacity, agent.conversation_capacity) == (5, 20)
