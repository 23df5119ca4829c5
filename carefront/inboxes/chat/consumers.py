"""The chat widget's socket (`ws/chat/<key>/?visitor_token=...`, protocol in docs/chat.md).

The visitor joins their conversation's group, replays what they missed (`resume`), and gets
public live events as they happen; their messages, typing and read receipts go through the same
services as the HTTP fallback. Thin: parse a frame, call a service, send the answer.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from carefront.api.ratelimit import hit
from carefront.conversations.live import conversation_group
from carefront.core.exceptions import ApplicationError, NotFound
from carefront.core.realtime import DirectDispatchMixin

from .models import ChatSettings, ChatVisitor
from .selectors import message_attachments, visitor_events, widget_event
from .services import (
    BadToken,
    chat_message_send,
    chat_read,
    chat_settings_get,
    chat_visitor_seen,
    origin_allowed,
    visitor_from_token,
)

logger = logging.getLogger(__name__)

CLOSE_BAD_TOKEN = 4401
CLOSE_ORIGIN_REFUSED = 4403
CLOSE_RATE_LIMITED = 4429
MAX_FRAME_BYTES = 32 * 1024


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _client_ip(scope: dict) -> str:
    from django.conf import settings

    proxies = int(settings.CAREFRONT.get("API_TRUSTED_PROXIES", 0))
    forwarded = _header(scope, b"x-forwarded-for") or ""
    if proxies > 0 and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    client = scope.get("client") or ("unknown", 0)
    return str(client[0])


def _over(bucket: str, ident: str) -> bool:
    usage = hit(bucket=bucket, ident=ident)
    return usage is not None and usage.exceeded


@database_sync_to_async
def _open(key: str, token: str | None, origin: str | None, host: str, ip: str):
    """(chat, visitor, close code): the checks of a new socket, in one thread hop."""
    from django.db import close_old_connections

    close_old_connections()
    try:
        chat = chat_settings_get(key=key)
    except NotFound:
        return None, None, CLOSE_BAD_TOKEN
    if not origin_allowed(chat=chat, origin=origin, own_hosts=[host]):
        return chat, None, CLOSE_ORIGIN_REFUSED
    if _over("chat_ip", ip):
        return chat, None, CLOSE_RATE_LIMITED
    try:
        visitor = visitor_from_token(chat=chat, token=token)
    except BadToken:
        return chat, None, CLOSE_BAD_TOKEN
    chat_visitor_seen(visitor_id=visitor.pk, sockets=1)
    return chat, visitor, None


class ChatConsumer(DirectDispatchMixin, AsyncWebsocketConsumer):
    chat: ChatSettings
    visitor: ChatVisitor | None = None
    group: str | None = None
    last_sent = 0
    # Live events that arrive before the visitor said where they are (the "resume" frame) wait,
    # so that the replay goes out first and nothing is skipped or sent out of order.
    resumed = False
    pending: list[dict]

    async def connect(self) -> None:
        key = self.scope["url_route"]["kwargs"]["key"]
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("visitor_token") or [None])[0]
        host = (_header(self.scope, b"host") or "").lower()
        chat, visitor, close_code = await _open(
            key, token, _header(self.scope, b"origin"), host, _client_ip(self.scope)
        )
        if close_code is not None:
            # Accept then close: browsers only see a close code after the handshake.
            await self.accept()
            await self.close(code=close_code)
            return
        self.chat, self.visitor = chat, visitor
        self.pending = []
        await self.accept()
        if visitor.conversation_id:
            await self._join(visitor.conversation_id)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.visitor is not None:
            await database_sync_to_async(chat_visitor_seen)(visitor_id=self.visitor.pk, sockets=-1)

    async def _join(self, conversation_id: int) -> None:
        group = conversation_group(conversation_id)
        if group == self.group:
            return
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)

    async def _send(self, frame: dict) -> None:
        await self.send(text_data=json.dumps(frame))

    async def _error(self, code: str, message: str) -> None:
        await self._send({"type": "error", "code": code, "message": str(message)})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.visitor is None:
            return
        if text_data is None or len(text_data) > MAX_FRAME_BYTES:
            await self._error("bad_frame", _("Frames are JSON text of at most 32 KB."))
            return
        if await database_sync_to_async(_over)("chat_visitor", str(self.visitor.pk)):
            await self._error("rate_limited", _("Too many messages; slow down."))
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self._error("bad_frame", _("Frames are JSON objects."))
            return
        kind = frame.get("type") if isinstance(frame, dict) else None
        handler = {
            "resume": self._on_resume,
            "message": self._on_message,
            "typing": self._on_typing,
            "read": self._on_read,
        }.get(kind)
        if handler is None:
            await self._error("bad_frame", _("Unknown frame type."))
            return
        try:
            await handler(frame)
        except ApplicationError as exc:
            error = {"type": "error", "code": exc.code, "message": str(exc.message)}
            if kind == "message":
                # Which message failed, so the widget can mark it and offer to retry.
                error["client_id"] = frame.get("client_id")
            await self._send(error)

    async def _on_resume(self, frame: dict) -> None:
        last_seq = frame.get("last_seq")
        if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
            last_seq = 0
        events, reload = await database_sync_to_async(self._replay)(last_seq)
        if reload:
            await self._send({"type": "reload"})
        for event in events:
            await self._event(event)
        await self._flush()

    async def _flush(self) -> None:
        self.resumed = True
        pending, self.pending = self.pending, []
        for event in sorted(pending, key=lambda e: e["seq"]):
            await self._event(event)

    def _replay(self, last_seq: int) -> tuple[list[dict], bool]:
        visitor = ChatVisitor.objects.get(pk=self.visitor.pk)
        self.visitor.conversation_id = visitor.conversation_id
        chat_visitor_seen(visitor_id=visitor.pk)
        return visitor_events(chat=self.chat, visitor=visitor, after_seq=last_seq)

    async def _event(self, event: dict) -> None:
        """Send each event once, in order: replay and the live group can overlap."""
        if event["seq"] <= self.last_sent:
            return
        self.last_sent = event["seq"]
        await self._send(event)
        if event["kind"] == "queue":
            # The protocol's own frame for the waiting visitor, from the stored event.
            await self._send(
                {
                    "type": "queue",
                    "position": event["data"].get("position"),
                    "available": bool(event["data"].get("available")),
                }
            )

    async def _on_message(self, frame: dict) -> None:
        sent = await database_sync_to_async(self._message)(frame)
        await self._join(sent.conversation_id)
        await self._send(
            {
                "type": "ack",
                "client_id": frame.get("client_id"),
                "message_id": sent.message.pk,
                "seq": sent.seq,
            }
        )
        if sent.created:
            # Joined after the first events were sent: replay them.
            events, _reload = await database_sync_to_async(self._replay)(self.last_sent)
            for event in events:
                await self._event(event)
        await self._flush()

    def _message(self, frame: dict):
        visitor = ChatVisitor.objects.select_related("customer").get(pk=self.visitor.pk)
        chat_visitor_seen(visitor_id=visitor.pk)
        sent = chat_message_send(
            chat=self.chat,
            visitor=visitor,
            text=frame.get("text"),
            client_id=frame.get("client_id"),
            prechat=frame.get("prechat"),
        )
        self.visitor.conversation_id = sent.conversation_id
        return sent

    async def _on_typing(self, frame: dict) -> None:
        if not self.visitor.conversation_id:
            return
        await self.channel_layer.group_send(
            conversation_group(self.visitor.conversation_id),
            {
                "type": "live.typing",
                "conversation_id": self.visitor.conversation_id,
                "who": "customer",
                "name": self.visitor.name,
                "on": bool(frame.get("on")),
            },
        )

    async def _on_read(self, frame: dict) -> None:
        def read() -> None:
            visitor = ChatVisitor.objects.get(pk=self.visitor.pk)
            chat_visitor_seen(visitor_id=visitor.pk)
            chat_read(visitor=visitor, seq=frame.get("seq"))

        await database_sync_to_async(read)()

    # --- group messages -------------------------------------------------------------------

    async def live_event(self, message: dict) -> None:
        if not message.get("public") or message["conversation_id"] != self.visitor.conversation_id:
            return
        attachments = None
        if message["kind"] == "message" and message["data"].get("message_id"):
            attachments = await database_sync_to_async(message_attachments)(
                [message["data"]["message_id"]]
            )
        event = widget_event(
            message, chat=self.chat, visitor_id=self.visitor.pk, attachments=attachments
        )
        if not self.resumed:
            self.pending.append(event)
            return
        await self._event(event)

    async def live_typing(self, message: dict) -> None:
        if message.get("who") != "agent":
            return
        await self._send(
            {"type": "typing", "on": bool(message.get("on")), "name": message.get("name", "")}
        )


__all__ = ["ChatConsumer", "NotFound"]
