"""Sending to channel-layer groups from synchronous code (services, tasks, any thread).

With the in-memory layer (one process, the embedded mode) the groups live on the server's event
loop, and an asyncio queue must only be touched from its own loop: a send from a worker thread
(the in-process task worker, the IMAP poller) is handed to that loop. With Redis any thread may
send. Sends are best effort: a page that misses one resumes from its last sequence number
(carefront/conversations/live.py), so a failed send is logged, never raised.
"""

import asyncio
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def remember_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by the ASGI application on its first request: the loop the sockets live on."""
    global _server_loop
    with _lock:
        _server_loop = loop


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("Realtime send failed: %r", future.exception())


def group_send(group: str, message: dict) -> None:
    group_send_many([(group, message)])


async def _send_in_order(layer, sends: list[tuple[str, dict]]) -> None:
    for group, message in sends:
        await layer.group_send(group, message)


def group_send_many(sends: list[tuple[str, dict]]) -> None:
    """Send to several groups, one after the other in this order (one task on the server's
    loop: separate tasks could overtake each other, and pages expect a conversation's events
    in sequence)."""
    if not sends:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    if loop is not None and not loop.is_closed():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            loop.create_task(_send_in_order(layer, sends)).add_done_callback(_log_failure)
        else:
            future = asyncio.run_coroutine_threadsafe(_send_in_order(layer, sends), loop)
            future.add_done_callback(_log_failure)
        return
    try:
        async_to_sync(_send_in_order)(layer, sends)
    except Exception as error:  # best effort, see the module docstring
        logger.warning("Realtime send failed: %r", error)


class DirectDispatchMixin:
    """For consumers: run a handler without Channels' hop to the shared synchronous thread.

    Channels (4.2+) calls `close_old_connections` through `sync_to_async` before every handler,
    on the one thread every socket's database work shares: each live event and frame then waited
    behind the messages being stored by all the other sockets (seconds under load; measured by
    bench/chat.py). Our consumers reach the database only through `database_sync_to_async`,
    which closes old connections itself around each call.
    """

    async def dispatch(self, message: dict) -> None:
        from channels.consumer import get_handler_name

        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
