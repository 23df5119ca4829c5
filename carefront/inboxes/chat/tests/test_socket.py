"""The widget's socket through the real ASGI application (config/asgi.py) and channel layer."""

import asyncio
import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.layers import channel_layers, get_channel_layer

from carefront.conversations.live import conversation_group
from carefront.conversations.models import Conversation, LiveEvent
from carefront.conversations.services import conversation_add_note, conversation_reply

from .conftest import ORIGIN, Widget

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True, params=["memory", "redis"])
def _layer(request, settings):
    """Each test with the in-memory layer (embedded mode) and with Redis (127.0.0.1:6379)."""
    if request.param == "redis":
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": ["redis://127.0.0.1:6379/0"],
                    "prefix": f"chat-test-{uuid.uuid4().hex[:8]}",
                },
            }
        }
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()


def run(scenario):
    asyncio.run(asyncio.wait_for(scenario(), timeout=30))


class WebsocketCommunicator(ApplicationCommunicator):
    """channels.testing's communicator, which cannot be imported without daphne."""

    def __init__(self, application, path, headers):
        path, _, query = path.partition("?")
        super().__init__(
            application,
            {
                "type": "websocket",
                "path": path,
                "raw_path": path.encode(),
                "query_string": query.encode(),
                "headers": headers,
                "subprotocols": [],
                "client": ("127.0.0.1", 50000),
                "server": ("testserver", 80),
            },
        )

    async def connect(self, timeout=5):
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        return response["type"] == "websocket.accept", response.get("code")

    async def send_to(self, text_data):
        await self.send_input({"type": "websocket.receive", "text": text_data})

    async def receive_from(self, timeout=5):
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return response.get("text")

    async def disconnect(self, code=1000, timeout=5):
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def communicator(chat, token, origin=ORIGIN):
    from config.asgi import application

    headers = [(b"host", b"testserver")]
    if origin:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(
        application, f"/ws/chat/{chat.public_key}/?visitor_token={token}", headers=headers
    )


async def frames_until(socket, predicate, limit=20):
    seen = []
    for _ in range(limit):
        frame = json.loads(await socket.receive_from(timeout=5))
        seen.append(frame)
        if predicate(frame):
            return seen
    raise AssertionError(f"not received; got {seen}")


def test_a_bad_token_is_closed_with_4401(chat):
    async def scenario():
        socket = communicator(chat, "forged")
        connected, _ = await socket.connect()
        assert connected
        output = await socket.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": 4401}

    run(scenario)


def test_an_origin_not_allowed_is_closed_with_4403(chat):
    widget = Widget(chat)
    widget.start()

    async def scenario():
        socket = communicator(chat, widget.token, origin="https://evil.example.net")
        await socket.connect()
        output = await socket.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": 4403}

    run(scenario)


def test_a_message_is_acked_and_comes_back_as_an_event(chat):
    widget = Widget(chat)
    widget.start()
    client_id = str(uuid.uuid4())

    async def scenario():
        socket = communicator(chat, widget.token)
        assert (await socket.connect())[0]
        await socket.send_to(text_data=json.dumps({"type": "resume", "last_seq": 0}))
        await socket.send_to(
            text_data=json.dumps({"type": "message", "text": "Hello", "client_id": client_id})
        )
        frames = await frames_until(socket, lambda f: f.get("kind") == "queue")
        ack = next(f for f in frames if f["type"] == "ack")
        assert ack["client_id"] == client_id
        message = next(f for f in frames if f.get("kind") == "message")
        assert message["data"]["text"] == "Hello"
        assert message["data"]["direction"] == "in"
        assert message["seq"] == ack["seq"]
        await socket.disconnect()

    run(scenario)


def test_resume_replays_what_was_missed_and_live_replies_follow(chat, agent):
    widget = Widget(chat)
    widget.start()
    first = widget.say("one").json()
    conversation = Conversation.objects.get(pk=first["conversation_id"])
    conversation_reply(conversation=conversation, author=agent, body="missed reply")
    conversation_add_note(conversation=conversation, author=agent, body="secret note")

    async def scenario():
        socket = communicator(chat, widget.token)
        assert (await socket.connect())[0]
        await socket.send_to(text_data=json.dumps({"type": "resume", "last_seq": first["seq"]}))
        frames = await frames_until(
            socket, lambda f: f.get("data", {}).get("text") == "missed reply"
        )
        assert all(f["seq"] > first["seq"] for f in frames if f["type"] == "event")
        await sync_to_async(conversation_reply)(
            conversation=conversation, author=agent, body="live reply"
        )
        frames = await frames_until(socket, lambda f: f.get("data", {}).get("text") == "live reply")
        assert all(f.get("data", {}).get("text") != "secret note" for f in frames)
        await socket.disconnect()

    run(scenario)


def test_typing_goes_both_ways(chat):
    widget = Widget(chat)
    widget.start()
    sent = widget.say("one").json()

    async def scenario():
        layer = get_channel_layer()
        agent_side = await layer.new_channel()
        await layer.group_add(conversation_group(sent["conversation_id"]), agent_side)
        socket = communicator(chat, widget.token)
        assert (await socket.connect())[0]
        await socket.send_to(text_data=json.dumps({"type": "resume", "last_seq": 99}))
        await socket.send_to(text_data=json.dumps({"type": "typing", "on": True}))
        typing = await asyncio.wait_for(layer.receive(agent_side), 5)
        assert typing == {
            "type": "live.typing",
            "conversation_id": sent["conversation_id"],
            "who": "customer",
            "name": "",
            "on": True,
        }
        await layer.group_send(
            conversation_group(sent["conversation_id"]),
            {
                "type": "live.typing",
                "conversation_id": sent["conversation_id"],
                "who": "agent",
                "name": "Sam",
                "on": True,
            },
        )
        frames = await frames_until(socket, lambda f: f["type"] == "typing")
        assert frames[-1] == {"type": "typing", "on": True, "name": "Sam"}
        await socket.disconnect()

    run(scenario)


def test_read_receipts_become_public_events(chat):
    widget = Widget(chat)
    widget.start()
    sent = widget.say("one").json()

    async def scenario():
        socket = communicator(chat, widget.token)
        assert (await socket.connect())[0]
        await socket.send_to(text_data=json.dumps({"type": "resume", "last_seq": 99}))
        await socket.send_to(text_data=json.dumps({"type": "read", "seq": sent["seq"]}))
        frames = await frames_until(socket, lambda f: f.get("kind") == "read")
        assert frames[-1]["data"] == {"seq": sent["seq"], "by": "customer"}
        await socket.disconnect()

    run(scenario)
    read = LiveEvent.objects.get(conversation_id=sent["conversation_id"], kind="read")
    assert read.public


def test_bad_frames_get_an_error_and_the_socket_stays(chat):
    widget = Widget(chat)
    widget.start()

    async def scenario():
        socket = communicator(chat, widget.token)
        assert (await socket.connect())[0]
        await socket.send_to(text_data="{not json")
        assert json.loads(await socket.receive_from(timeout=5))["code"] == "bad_frame"
        await socket.send_to(
            text_data=json.dumps({"type": "message", "text": "", "client_id": "x"})
        )
        error = json.loads(await socket.receive_from(timeout=5))
        assert error["type"] == "error"
        assert error["client_id"] == "x"
        await socket.send_to(text_data=json.dumps({"type": "launch"}))
        assert json.loads(await socket.receive_from(timeout=5))["code"] == "bad_frame"
        await socket.disconnect()

    run(scenario)


def test_frames_over_the_rate_limit_close_the_socket(chat, settings):
    settings.CAREFRONT = {
        **settings.CAREFRONT,
        "API_RATE_LIMITS": {**settings.CAREFRONT["API_RATE_LIMITS"], "chat_visitor": "3/min"},
    }
    widget = Widget(chat)
    widget.start()

    async def scenario():
        socket = communicator(chat, widget.token)
        assert (await socket.connect())[0]
        for _ in range(4):
            await socket.send_to(text_data=json.dumps({"type": "typing", "on": True}))
        frames = []
        while True:
            output = await socket.receive_output(timeout=5)
            frames.append(output)
            if output["type"] == "websocket.close":
                break
        assert frames[-1]["code"] == 4429

    run(scenario)
