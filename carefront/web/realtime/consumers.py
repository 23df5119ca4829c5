"""The agent pages' socket (`ws/agent/live/`): live events of the agent's inboxes and of the
conversation they have open, personal notices, and who else is viewing or typing.

Thin: access goes through the conversation selectors, replay through `live_events_since`.
Client frames:
    {"type": "watch", "conversation_id": N, "last_seq": M}   open a conversation (replay, then live)
    {"type": "unwatch"}
    {"type": "typing", "on": bool}                          in the watched conversation's composer
    {"type": "viewing"}                                     heartbeat while the page is open
Server frames:
    {"type": "hello", "agent_id"}                           after the connection is accepted
    {"type": "event", "conversation_id", "inbox_id", "seq", "kind", "public", "data"}
    {"type": "watching", "conversation_id", "last_seq"}     replay done
    {"type": "reload", "conversation_id"}                   too much (or pruned) to replay
    {"type": "presence", "conversation_id", "agent_id", "name", "state": "viewing"|"left"}
    {"type": "typing", "conversation_id", "who": "agent"|"customer", "agent_id"?, "name", "on"}
    {"type": "notice", "kind", "data"}                      personal (a chat offer, ...)
    {"type": "error", "code", "message"}
Presence is ephemeral and per-process safe: it travels as group messages (Redis across
processes); each page keeps what it heard with a time to live (web/static/web/live.js).
"""

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from carefront.conversations.live import (
    REPLAY_LIMIT,
    as_group_message,
    conversation_group,
    inbox_group,
    live_events_since,
)
from carefront.core.realtime import DirectDispatchMixin

logger = logging.getLogger(__name__)

# Closed with this code when the socket has no signed-in agent (the page then logs in again).
CLOSE_UNAUTHENTICATED = 4401
# Frames larger than this are refused (the client sends tiny JSON objects only).
MAX_FRAME_CHARS = 2000


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def presence_group(conversation_id: int) -> str:
    # Apart from conv.<id>: the chat's consumers there need not know these messages.
    return f"presence.{conversation_id}"


@database_sync_to_async
def _visible_inbox_ids(agent) -> list[int]:
    from carefront.conversations.selectors import visible_inboxes

    return list(visible_inboxes(actor=agent).values_list("pk", flat=True))


@database_sync_to_async
def _watch(agent, conversation_id: int, last_seq: int):
    """(inbox_id, events, reload) or None when the agent may not see the conversation."""
    from carefront.conversations.selectors import access_conversation
    from carefront.core.exceptions import NotFound

    try:
        conversation = access_conversation(actor=agent, conversation_id=conversation_id)
    except NotFound:
        return None
    if conversation.live_seq <= last_seq:
        return conversation.inbox_id, [], False
    events = live_events_since(conversation_id=conversation_id, after_seq=last_seq)
    # Too many, or the ones after last_seq were pruned: the page reloads instead.
    if len(events) > REPLAY_LIMIT or not events or events[0].seq != last_seq + 1:
        return conversation.inbox_id, [], True
    messages = [as_group_message(event, inbox_id=conversation.inbox_id) for event in events]
    return conversation.inbox_id, messages, False


class AgentLiveConsumer(DirectDispatchMixin, AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # Accepted first: a refused handshake reaches the page as a bare 1006, the code
            # tells it to stop retrying (signed out).
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.agent = user
        self.agent_name = user.name or user.email
        self.groups_joined: list[str] = []
        self.watched: int | None = None
        self.watched_seq = 0
        for inbox_id in await _visible_inbox_ids(user):
            await self._join(inbox_group(inbox_id))
        await self._join(agent_group(user.pk))
        await self.accept()
        await self.send_json({"type": "hello", "agent_id": user.pk})

    async def disconnect(self, code) -> None:
        if getattr(self, "watched", None) is not None:
            await self._leave_watched()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    async def _leave(self, group: str) -> None:
        await self.channel_layer.group_discard(group, self.channel_name)
        if group in self.groups_joined:
            self.groups_joined.remove(group)

    # Frames from the browser

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self._error("invalid", "Frames are small JSON objects.")
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    @classmethod
    async def decode_json(cls, text_data):
        import json

        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict):
            await self._error("invalid", "Frames are JSON objects.")
            return
        kind = content.get("type")
        if kind == "watch":
            await self._on_watch(content)
        elif kind == "unwatch":
            if self.watched is not None:
                await self._leave_watched()
        elif kind == "typing":
            await self._on_typing(bool(content.get("on")))
        elif kind == "viewing":
            if self.watched is not None:
                await self._announce("viewing")
        else:
            await self._error("invalid", "Unknown frame type.")

    async def _on_watch(self, content: dict) -> None:
        conversation_id, last_seq = content.get("conversation_id"), content.get("last_seq", 0)
        if (
            not isinstance(conversation_id, int)
            or isinstance(conversation_id, bool)
            or not isinstance(last_seq, int)
            or last_seq < 0
        ):
            await self._error("invalid", "watch needs a conversation_id and a last_seq.")
            return
        if self.watched is not None:
            await self._leave_watched()
        # Join before reading: what commits meanwhile arrives live, and the seq drops repeats.
        await self._join(conversation_group(conversation_id))
        found = await _watch(self.agent, conversation_id, last_seq)
        if found is None:
            await self._leave(conversation_group(conversation_id))
            await self._error("not_found", "Conversation not found.")
            return
        _inbox_id, replay, reload = found
        self.watched = conversation_id
        self.watched_seq = last_seq
        await self._join(presence_group(conversation_id))
        if reload:
            await self.send_json({"type": "reload", "conversation_id": conversation_id})
        for message in replay:
            await self.live_event(message)
        await self.send_json(
            {"type": "watching", "conversation_id": conversation_id, "last_seq": self.watched_seq}
        )
        await self._announce("viewing", hello=True)

    async def _leave_watched(self) -> None:
        conversation_id = self.watched
        await self._announce("left")
        await self._typing_send(False)
        self.watched = None
        await self._leave(conversation_group(conversation_id))
        await self._leave(presence_group(conversation_id))

    async def _on_typing(self, on: bool) -> None:
        if self.watched is not None:
            await self._typing_send(on)

    async def _typing_send(self, on: bool) -> None:
        # The chat shows it to the visitor; other agents' pages show "Ben is typing a reply".
        await self.channel_layer.group_send(
            conversation_group(self.watched),
            {
                "type": "live.typing",
                "conversation_id": self.watched,
                "who": "agent",
                "agent_id": self.agent.pk,
                "name": self.agent_name,
                "on": on,
            },
        )

    async def _announce(self, state: str, *, hello: bool = False) -> None:
        await self.channel_layer.group_send(
            presence_group(self.watched),
            {
                "type": "presence.update",
                "conversation_id": self.watched,
                "agent_id": self.agent.pk,
                "name": self.agent_name,
                "state": state,
                "hello": hello,
                "sender": self.channel_name,
            },
        )

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    # Group messages

    async def live_event(self, message: dict) -> None:
        conversation_id = message.get("conversation_id")
        if conversation_id == self.watched:
            # It comes through both the inbox's group and the conversation's: send it once.
            if message["seq"] <= self.watched_seq:
                return
            self.watched_seq = message["seq"]
        await self.send_json({**message, "type": "event"})

    async def live_typing(self, message: dict) -> None:
        if message.get("conversation_id") != self.watched:
            return
        if message.get("who") == "agent" and message.get("agent_id") == self.agent.pk:
            return
        await self.send_json(
            {
                "type": "typing",
                "conversation_id": message["conversation_id"],
                "who": message.get("who", "customer"),
                "agent_id": message.get("agent_id"),
                "name": message.get("name", ""),
                "on": bool(message.get("on")),
            }
        )

    async def presence_update(self, message: dict) -> None:
        if message.get("sender") == self.channel_name or message.get("conversation_id") != (
            self.watched
        ):
            return
        if message.get("agent_id") != self.agent.pk:
            await self.send_json(
                {
                    "type": "presence",
                    "conversation_id": message["conversation_id"],
                    "agent_id": message["agent_id"],
                    "name": message["name"],
                    "state": message["state"],
                }
            )
        if message.get("hello"):
            # Someone just opened the conversation: tell them at once who is here already.
            await self._announce("viewing")

    async def live_notice(self, message: dict) -> None:
        await self.send_json(
            {"type": "notice", "kind": message.get("kind", ""), "data": message.get("data", {})}
        )
