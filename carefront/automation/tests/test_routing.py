"""Chat routing (docs/routing.md): fair offers within capacity, the queue, accept timeout,
the email fallback, and what moves the queue on."""

import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from carefront.accounts.models import Availability, Role
from carefront.accounts.services import agent_set_availability
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.automation.models import AssignmentPolicy, ChatRouting, ChatState
from carefront.automation.routing import (
    agents_available,
    chat_offer_accept,
    chat_offer_decline,
    chat_offer_expire,
    chat_queue_position,
    chat_route,
    chat_wait_expire,
)
from carefront.conversations.live import live_events_since
from carefront.conversations.models import ConversationEvent, EventKind, Status
from carefront.conversations.services import conversation_set_status
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.inboxes.tests.factories import InboxFactory

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def chat_team(db):
    return TeamFactory()


@pytest.fixture
def chat_inbox(chat_team):
    inbox = InboxFactory(teams=[chat_team], channel="chat")
    AssignmentPolicy.objects.create(inbox=inbox, chat_accept_seconds=30, chat_wait_minutes=4)
    return inbox


def online_agent(team, **fields):
    agent = AgentFactory(role=Role.AGENT, **fields)
    team.members.add(agent)
    agent_set_availability(agent=agent, availability=Availability.ONLINE)
    return agent


def new_chat(inbox):
    return conversation_for(inbox)


def test_nobody_online_queues_the_chat_with_its_position(chat_inbox, chat_team):
    AgentFactory(role=Role.AGENT).teams.add(chat_team)  # offline
    first, second = new_chat(chat_inbox), new_chat(chat_inbox)

    assert chat_route(conversation_id=first.pk, now=NOW).queue_position == 1
    offer = chat_route(conversation_id=second.pk, now=NOW)

    assert offer.agent_id is None
    assert offer.queue_position == 2
    assert chat_queue_position(conversation_id=second.pk) == 2
    assert not agents_available(inbox_id=chat_inbox.pk)
    [queue] = [
        e for e in live_events_since(conversation_id=second.pk, after_seq=0) if e.kind == "queue"
    ]
    assert (queue.kind, queue.data["position"]) == ("queue", 2)


def test_offers_go_round_robin_to_whoever_waited_longest(chat_inbox, chat_team):
    ana, ben = online_agent(chat_team), online_agent(chat_team)
    offers = [
        chat_route(conversation_id=new_chat(chat_inbox).pk, now=NOW + dt.timedelta(seconds=i))
        for i in range(4)
    ]
    # Never offered: by id first; then each in turn (capacity 3 leaves room for two each).
    assert [o.agent_id for o in offers] == [ana.pk, ben.pk, ana.pk, ben.pk]


def test_capacity_is_respected_then_the_chat_queues(chat_inbox, chat_team):
    ana = online_agent(chat_team, chat_capacity=1)
    first = chat_route(conversation_id=new_chat(chat_inbox).pk, now=NOW)
    second = chat_route(conversation_id=new_chat(chat_inbox).pk, now=NOW)

    assert first.agent_id == ana.pk
    assert (second.agent_id, second.queue_position) == (None, 2)


def test_away_offline_deactivated_and_other_teams_are_skipped(chat_inbox, chat_team):
    away = online_agent(chat_team)
    agent_set_availability(agent=away, availability=Availability.AWAY)
    gone = online_agent(chat_team)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    online_agent(TeamFactory())  # online, but not a member of the inbox's teams
    AgentFactory(role=Role.AGENT).teams.add(chat_team)  # offline

    offer = chat_route(conversation_id=new_chat(chat_inbox).pk, now=NOW)

    assert offer.agent_id is None


def test_routing_twice_changes_nothing(chat_inbox, chat_team):
    ana = online_agent(chat_team)
    chat = new_chat(chat_inbox)
    chat_route(conversation_id=chat.pk, now=NOW)
    again = chat_route(conversation_id=chat.pk, now=NOW)
    assert again.agent_id == ana.pk
    assert ChatRouting.objects.get(pk=chat.pk).offer_version == 1


def test_the_offer_reaches_the_agent_as_a_notice(
    chat_inbox, chat_team, settings, django_capture_on_commit_callbacks
):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    ana = online_agent(chat_team)
    chat = new_chat(chat_inbox)

    async def listen_then_route():
        import asyncio

        from asgiref.sync import sync_to_async

        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(f"agent.{ana.pk}", channel)

        def route():
            with django_capture_on_commit_callbacks(execute=True):
                chat_route(conversation_id=chat.pk, now=NOW)

        await sync_to_async(route)()
        return await asyncio.wait_for(layer.receive(channel), timeout=5)

    message = async_to_sync(listen_then_route)()

    assert message["type"] == "live.notice"
    assert message["kind"] == "chat_offer"
    assert message["data"]["conversation_id"] == chat.pk
    assert message["data"]["expires_in"] == 30
    assert message["data"]["accept_url"] == f"/chats/{chat.pk}/accept/"


def test_accepting_assigns_the_chat_and_tells_the_visitor(chat_inbox, chat_team):
    ana = online_agent(chat_team)
    chat = new_chat(chat_inbox)
    chat_route(conversation_id=chat.pk, now=NOW)

    chat_offer_accept(actor=ana, conversation_id=chat.pk, now=NOW)

    chat.refresh_from_db()
    assert chat.assignee_id == ana.pk
    assert ChatRouting.objects.get(pk=chat.pk).state == ChatState.ACCEPTED
    assert chat_queue_position(conversation_id=chat.pk) is None
    kinds = [e.kind for e in live_events_since(conversation_id=chat.pk, after_seq=0) if e.public]
    assert "agent_joined" in kinds
    event = ConversationEvent.objects.get(conversation=chat, kind=EventKind.ASSIGNED)
    assert event.data["reason"] == "chat_accepted"


def test_only_the_agent_offered_may_accept(chat_inbox, chat_team, outsider):
    online_agent(chat_team)
    ben = AgentFactory(role=Role.AGENT)
    chat_team.members.add(ben)
    chat = new_chat(chat_inbox)
    chat_route(conversation_id=chat.pk, now=NOW)

    with pytest.raises(PermissionDenied):
        chat_offer_accept(actor=ben, conversation_id=chat.pk)
    with pytest.raises(NotFound):
        chat_offer_accept(actor=outsider, conversation_id=chat.pk)
    with pytest.raises(InvalidInput):
        chat_offer_decline(actor=ben, conversation_id=chat.pk)


def test_a_queued_chat_can_be_taken_from_the_waiting_list(chat_inbox, chat_team):
    ben = AgentFactory(role=Role.AGENT)  # offline, but may pick a chat by hand
    chat_team.members.add(ben)
    chat = new_chat(chat_inbox)
    chat_route(conversation_id=chat.pk, now=NOW)

    chat_offer_accept(actor=ben, conversation_id=chat.pk)

    with pytest.raises(InvalidInput):
        chat_offer_accept(actor=ben, conversation_id=chat.pk)


def test_declining_passes_the_chat_to_the_next_agent(chat_inbox, chat_team):
    ana, ben = online_agent(chat_team), online_agent(chat_team)
    chat = new_chat(chat_inbox)
    assert chat_route(conversation_id=chat.pk, now=NOW).agent_id == ana.pk

    routing = chat_offer_decline(actor=ana, conversation_id=chat.pk, now=NOW)

    assert (routing.state, routing.offered_to_id) == (ChatState.OFFERED, ben.pk)
    chat_offer_decline(actor=ben, conversation_id=chat.pk, now=NOW)
    routing.refresh_from_db()
    assert routing.state == ChatState.QUEUED
    assert sorted(routing.passed_agent_ids) == sorted([ana.pk, ben.pk])


def test_accept_timeout_offers_the_next_agent_then_email(chat_inbox, chat_team):
    ana, ben = online_agent(chat_team), online_agent(chat_team)
    chat = new_chat(chat_inbox)
    chat_route(conversation_id=chat.pk, now=NOW)
    routing = ChatRouting.objects.get(pk=chat.pk)
    assert routing.offered_to_id == ana.pk

    # Ana's timer: 30 s later, not accepted: Ben's turn. A stale timer does nothing.
    assert chat_offer_expire(conversation_id=chat.pk, version=1, now=NOW) == "offered"
    assert chat_offer_expire(conversation_id=chat.pk, version=1, now=NOW) == "moved on"
    routing.refresh_from_db()
    assert (routing.offered_to_id, routing.offer_version) == (ben.pk, 2)
    assert chat_offer_expire(conversation_id=chat.pk, version=2, now=NOW) == "queued"

    # The wait (4 minutes) is not over yet; then it is: continued by email, unassigned.
    assert chat_wait_expire(conversation_id=chat.pk, now=NOW + dt.timedelta(minutes=3)) == (
        "not yet"
    )
    assert chat_wait_expire(conversation_id=chat.pk, now=NOW + dt.timedelta(minutes=4)) == (
        "to email"
    )

    routing.refresh_from_db()
    chat.refresh_from_db()
    assert routing.state == ChatState.TO_EMAIL
    assert (chat.assignee_id, chat.status) == (None, Status.OPEN)
    note = ConversationEvent.objects.get(conversation=chat, kind=EventKind.ROUTING)
    assert note.data == {"reason": "chat_to_email", "wait_minutes": 4}
    public = [
        e.kind for e in live_events_since(conversation_id=chat.pk, after_seq=0, public_only=True)
    ]
    assert public[-1] == "to_email"
    # Settled: a late timer or accept changes nothing.
    assert chat_wait_expire(conversation_id=chat.pk, now=NOW + dt.timedelta(hours=1)) == "settled"
    with pytest.raises(InvalidInput):
        chat_offer_accept(actor=ana, conversation_id=chat.pk)


def test_an_agent_coming_online_gets_the_oldest_waiting_chat(
    chat_inbox, chat_team, django_capture_on_commit_callbacks
):
    older, newer = new_chat(chat_inbox), new_chat(chat_inbox)
    chat_route(conversation_id=older.pk, now=NOW)
    chat_route(conversation_id=newer.pk, now=NOW + dt.timedelta(seconds=5))
    ana = AgentFactory(role=Role.AGENT, chat_capacity=1)
    chat_team.members.add(ana)

    with django_capture_on_commit_callbacks(execute=True):
        agent_set_availability(agent=ana, availability=Availability.ONLINE)

    assert ChatRouting.objects.get(pk=older.pk).offered_to_id == ana.pk
    assert ChatRouting.objects.get(pk=newer.pk).state == ChatState.QUEUED
    assert chat_queue_position(conversation_id=newer.pk) == 2


def test_a_freed_slot_offers_the_next_chat(
    chat_inbox, chat_team, django_capture_on_commit_callbacks
):
    ana = online_agent(chat_team, chat_capacity=1)
    first, second = new_chat(chat_inbox), new_chat(chat_inbox)
    chat_route(conversation_id=first.pk, now=NOW)
    chat_route(conversation_id=second.pk, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        chat_offer_accept(actor=ana, conversation_id=first.pk)
    assert ChatRouting.objects.get(pk=second.pk).state == ChatState.QUEUED

    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_status(conversation=first, status=Status.SOLVED, actor=ana)

    assert ChatRouting.objects.get(pk=second.pk).offered_to_id == ana.pk


def test_going_away_passes_the_offer_on(chat_inbox, chat_team, django_capture_on_commit_callbacks):
    ana, ben = online_agent(chat_team), online_agent(chat_team)
    chat = new_chat(chat_inbox)
    chat_route(conversation_id=chat.pk, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        agent_set_availability(agent=ana, availability=Availability.AWAY)

    assert ChatRouting.objects.get(pk=chat.pk).offered_to_id == ben.pk


def test_a_chat_closed_while_waiting_leaves_the_queue(
    chat_inbox, chat_team, agent, django_capture_on_commit_callbacks
):
    first, second = new_chat(chat_inbox), new_chat(chat_inbox)
    chat_route(conversation_id=first.pk, now=NOW)
    chat_route(conversation_id=second.pk, now=NOW)
    admin = AgentFactory(role=Role.ADMIN)

    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_status(conversation=first, status=Status.CLOSED, actor=admin)

    assert ChatRouting.objects.get(pk=first.pk).state == ChatState.CLOSED
    assert chat_queue_position(conversation_id=second.pk) == 1


def test_the_default_times_apply_without_a_policy(chat_team, settings):
    from carefront.automation.routing import chat_times

    settings.CAREFRONT_CHAT_ACCEPT_SECONDS = 45
    inbox = InboxFactory(teams=[chat_team], channel="chat")
    times = chat_times(inbox_id=inbox.pk)
    assert (times.accept_seconds, times.wait_minutes) == (45, 5)


def test_position_counts_are_constant_queries(chat_inbox, django_assert_num_queries):
    chats = [new_chat(chat_inbox) for _ in range(5)]
    for i, chat in enumerate(chats):
        chat_route(conversation_id=chat.pk, now=timezone.now() + dt.timedelta(seconds=i))
    with django_assert_num_queries(2):
        assert chat_queue_position(conversation_id=chats[-1].pk) == 5
