"""The agent socket (ws/agent/live/) through the real ASGI app, on the in-memory layer and on
Redis (127.0.0.1:6379; skipped when it is not running)."""

import socket

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from carefront.conversations.live import conversation_group, live_event_append
from carefront.conversations.services import conversation_add_note, conversation_reply
from carefront.conversations.tests.factories import conversation_for, receive
from carefront.core.realtime import group_send
from carefront.web.realtime.consumers import agent_group

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["memory", "redis"])
def layer(request, settings):
    if request.param == "redis":
        if not _redis_up():
            pytest.skip("Redis is not running at 127.0.0.1:6379")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                # A prefix per run: tests on other machines' layers never meet.
                "CONFIG": {"hosts": [REDIS_URL], "prefix": f"carefront-test-{id(request)}"},
            }
        }
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()


def session_cookie(agent) -> bytes:
    client = Client()
    client.force_login(agent)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def communicator(cookie: bytes | None = None, *, origin: bytes = b"http://testserver"):
    from config.asgi import application

    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/agent/live/", headers=headers)


async def frames_until(ws: WebsocketCommunicator, kind: str, timeout: float = 3) -> list[dict]:
    """Frames received up to and including the first of type `kind`."""
    seen = []
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        seen.append(frame)
        if frame["type"] == kind:
            return seen


async def no_frame(ws: WebsocketCommunicator, timeout: float = 0.3) -> bool:
    return await ws.receive_nothing(timeout=timeout)


def run(coroutine_function):
    async_to_sync(coroutine_function)()


@pytest.mark.django_db(transaction=True)
def test_without_a_signed_in_agent_the_socket_is_closed_4401(layer):
    async def scenario():
        ws = communicator()
        connected, _ = await ws.connect()
        assert connected  # accepted only to say why it closes
        assert await ws.receive_output() == {"type": "websocket.close", "code": 4401}

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_another_sites_origin_is_refused(layer, agent, settings):
    # config/asgi.py's validator reads ALLOWED_HOSTS when built (tests allow "*"): built here
    # the same way, with a real host list.
    from channels.auth import AuthMiddlewareStack
    from channels.routing import URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator

    from carefront.web.realtime.routing import websocket_urlpatterns

    settings.ALLOWED_HOSTS = ["help.example.test"]
    app = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
    cookie = session_cookie(agent)

    async def scenario():
        for origin, accepted in [
            (b"https://evil.example", False),
            (b"https://help.example.test", True),
        ]:
            ws = WebsocketCommunicator(
                app, "/live/", headers=[(b"origin", origin), (b"cookie", cookie)]
            )
            connected, _code = await ws.connect()
            assert connected is accepted
            await ws.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_watch_replays_what_was_missed_then_sends_live(layer, agent, inbox):
    conversation = conversation_for(inbox)  # seq 1 created, 2 message
    first_message_id = conversation.messages.first().message_id

    agent_cookie = session_cookie(agent)

    async def scenario():
        ws = communicator(agent_cookie)
        connected, _ = await ws.connect()
        assert connected
        assert (await ws.receive_json_from())["type"] == "hello"
        await ws.send_json_to({"type": "watch", "conversation_id": conversation.pk, "last_seq": 1})
        frames = await frames_until(ws, "watching")
        assert [(f["type"], f.get("seq")) for f in frames] == [("event", 2), ("watching", None)]
        assert frames[0]["kind"] == "message" and frames[0]["public"] is True

        # A customer's message committed now arrives once (inbox and conversation groups both
        # carry it; the consumer drops the repeat).
        result = await database_sync_to_async(receive)(inbox, in_reply_to=[first_message_id])
        event = await ws.receive_json_from(timeout=3)
        assert (event["type"], event["seq"], event["kind"]) == ("event", 3, "message")
        assert event["data"]["message_id"] == result.message.pk
        assert await no_frame(ws)
        await ws.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_new_conversations_of_the_agents_inboxes_arrive_without_watching(layer, agent, inbox):
    agent_cookie = session_cookie(agent)

    async def scenario():
        ws = communicator(agent_cookie)
        await ws.connect()
        await ws.receive_json_from()
        result = await database_sync_to_async(receive)(inbox)
        frames = [await ws.receive_json_from(timeout=3), await ws.receive_json_from(timeout=3)]
        assert [(f["conversation_id"], f["kind"]) for f in frames] == [
            (result.conversation.pk, "created"),
            (result.conversation.pk, "message"),
        ]
        await ws.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_an_agent_hears_nothing_of_inboxes_they_cannot_see(layer, outsider, inbox):
    outsider_cookie = session_cookie(outsider)

    async def scenario():
        ws = communicator(outsider_cookie)
        await ws.connect()
        await ws.receive_json_from()
        result = await database_sync_to_async(receive)(inbox)
        assert await no_frame(ws, 0.5)
        # Nor by asking for it by id (a forged or guessed one).
        await ws.send_json_to(
            {"type": "watch", "conversation_id": result.conversation.pk, "last_seq": 0}
        )
        frame = await ws.receive_json_from()
        assert frame == {"type": "error", "code": "not_found", "message": "Conversation not found."}
        await database_sync_to_async(live_event_append)(
            conversation_id=result.conversation.pk, kind="read", public=True
        )
        assert await no_frame(ws, 0.5)
        await ws.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_bad_frames_get_a_clear_error_and_the_socket_stays(layer, agent):
    agent_cookie = session_cookie(agent)

    async def scenario():
        ws = communicator(agent_cookie)
        await ws.connect()
        await ws.receive_json_from()
        for bad in ["not json", "[1, 2]", '{"type": "watch", "conversation_id": "1"}', "x" * 5000]:
            await ws.send_to(text_data=bad)
            frame = await ws.receive_json_from()
            assert frame["type"] == "error" and frame["code"] == "invalid"
        await ws.send_json_to({"type": "watch", "conversation_id": 999999, "last_seq": 0})
        assert (await ws.receive_json_from())["code"] == "not_found"
        await ws.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_a_resume_from_before_the_pruned_events_asks_for_a_reload(layer, agent, inbox):
    from carefront.conversations.models import LiveEvent

    conversation = conversation_for(inbox)
    LiveEvent.objects.filter(conversation=conversation, seq=1).delete()  # pruned

    agent_cookie = session_cookie(agent)

    async def scenario():
        ws = communicator(agent_cookie)
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_json_to({"type": "watch", "conversation_id": conversation.pk, "last_seq": 0})
        frames = await frames_until(ws, "watching")
        assert [f["type"] for f in frames] == ["reload", "watching"]
        await ws.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_two_agents_see_each_other_viewing_and_typing(layer, agent, inbox, team):
    from carefront.accounts.tests.factories import AgentFactory

    ben = AgentFactory(name="Ben")
    team.members.add(ben)
    conversation = conversation_for(inbox)
    watch = {"type": "watch", "conversation_id": conversation.pk, "last_seq": 2}

    agent_cookie = session_cookie(agent)
    ben_cookie = session_cookie(ben)

    async def scenario():
        ana_ws, ben_ws = communicator(agent_cookie), communicator(ben_cookie)
        for ws in (ana_ws, ben_ws):
            await ws.connect()
            await ws.receive_json_from()
        await ana_ws.send_json_to(watch)
        await frames_until(ana_ws, "watching")
        await ben_ws.send_json_to(watch)
        await frames_until(ben_ws, "watching")
        # Ben's arrival is announced to Ana; Ana answers at once, so Ben knows she is there.
        ana_sees = await frames_until(ana_ws, "presence")
        assert ana_sees[-1]["name"] == "Ben" and ana_sees[-1]["state"] == "viewing"
        ben_sees = await frames_until(ben_ws, "presence")
        assert ben_sees[-1]["agent_id"] == agent.pk and ben_sees[-1]["state"] == "viewing"

        await ben_ws.send_json_to({"type": "typing", "on": True})
        typing = await frames_until(ana_ws, "typing")
        assert typing[-1] == {
            "type": "typing",
            "conversation_id": conversation.pk,
            "who": "agent",
            "agent_id": ben.pk,
            "name": "Ben",
            "on": True,
        }
        assert await no_frame(ben_ws)  # not echoed to the typist

        await ben_ws.send_json_to({"type": "unwatch"})
        left = await frames_until(ana_ws, "presence")
        assert left[-1]["state"] == "left"
        for ws in (ana_ws, ben_ws):
            await ws.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_a_customer_typing_in_the_chat_reaches_the_watching_agent(layer, agent, inbox):
    conversation = conversation_for(inbox)

    agent_cookie = session_cookie(agent)

    async def scenario():
        ws = communicator(agent_cookie)
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_json_to({"type": "watch", "conversation_id": conversation.pk, "last_seq": 2})
        await frames_until(ws, "watching")
        await database_sync_to_async(group_send)(
            conversation_group(conversation.pk),
            {
                "type": "live.typing",
                "conversation_id": conversation.pk,
                "who": "customer",
                "name": "Ana",
                "on": True,
            },
        )
        frame = await frames_until(ws, "typing")
        assert frame[-1]["who"] == "customer" and frame[-1]["on"] is True
        await ws.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_personal_notices_reach_only_their_agent(layer, agent, admin):
    admin_cookie = session_cookie(admin)
    agent_cookie = session_cookie(agent)

    async def scenario():
        mine, theirs = communicator(agent_cookie), communicator(admin_cookie)
        for ws in (mine, theirs):
            await ws.connect()
            await ws.receive_json_from()
        await database_sync_to_async(group_send)(
            agent_group(agent.pk),
            {"type": "live.notice", "kind": "chat_offer", "data": {"conversation_id": 7}},
        )
        assert await mine.receive_json_from(timeout=3) == {
            "type": "notice",
            "kind": "chat_offer",
            "data": {"conversation_id": 7},
        }
        assert await no_frame(theirs)
        for ws in (mine, theirs):
            await ws.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_replies_and_notes_of_others_arrive_with_their_author(layer, agent, admin, inbox):
    conversation = conversation_for(inbox)

    agent_cookie = session_cookie(agent)

    async def scenario():
        ws = communicator(agent_cookie)
        await ws.connect()
        await ws.receive_json_from()
        await ws.send_json_to({"type": "watch", "conversation_id": conversation.pk, "last_seq": 2})
        await frames_until(ws, "watching")
        await database_sync_to_async(conversation_reply)(
            conversation=conversation, author=admin, body="Shipped today."
        )
        await database_sync_to_async(conversation_add_note)(
            conversation=conversation, author=admin, body="Tracking sent."
        )
        frames = [await ws.receive_json_from(timeout=3) for _ in range(2)]
        assert [(f["kind"], f["data"]["author_id"]) for f in frames] == [
            ("message", admin.pk),
            ("note", admin.pk),
        ]
        await ws.disconnect()

    run(scenario)
