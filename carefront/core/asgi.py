"""Django's ASGI handler, running the synchronous part of requests on a few long-lived threads.

Django's own handler gives every request a fresh thread for its synchronous work (views, ORM,
middleware), and database connections belong to threads: so each request opened a new database
connection (with SQLite, also running the connection PRAGMAs) and started a thread, about 4 ms
of CPU per request before any work was done. Here a request borrows one of a small pool of
single-thread executors instead (asgiref's ThreadSensitiveContext with an executor: the
documented way to choose the thread), so connections are reused as under WSGI, and up to
`CAREFRONT["ASGI_THREADS"]` requests still run at once in a process.

The middleware chain is also built synchronous, as under WSGI, and run in one hop to that
thread: Django's async chain, with WhiteNoise and our middleware being synchronous, went from
the event loop to the thread, back to the loop, and to the thread again for the view. Carefront
has no async views; an async view would still work (Django runs it with async_to_sync).

Streaming responses with a synchronous iterator (WhiteNoise's static files, attachment downloads)
are handed to Django as asynchronous iterators that read each chunk in a thread. Django would
otherwise read the whole file into memory on the event loop's behalf and warn "StreamingHttpResponse
must consume synchronous iterators" for every static file (WhiteNoise 6 has no ASGI support).
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import FileResponse, HttpResponseBase

# Read files in larger pieces than FileResponse's 4 KiB: one thread hop per chunk.
FILE_CHUNK_BYTES = 64 * 1024
_DONE = object()


async def _file_chunks(file) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(file.read, FILE_CHUNK_BYTES):
        yield chunk


async def _chunks_in_thread(iterator: Iterator[bytes]) -> AsyncIterator[bytes]:
    # thread_sensitive: a generator that queries the database stays on the request's thread.
    pull = sync_to_async(next, thread_sensitive=True)
    while (chunk := await pull(iterator, _DONE)) is not _DONE:
        yield chunk


def make_streaming_async(response: HttpResponseBase) -> HttpResponseBase:
    """Give a streaming response with a synchronous iterator an asynchronous one (no-op else)."""
    if not response.streaming or response.is_async:
        return response
    file = getattr(response, "file_to_stream", None)
    if isinstance(response, FileResponse) and file is not None:
        # The file stays registered for closing in the response's resource closers.
        response.streaming_content = _file_chunks(file)
    else:
        response.streaming_content = _chunks_in_thread(iter(response.streaming_content))
    return response


class PooledThreadASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)
        self._executors: asyncio.LifoQueue[ThreadPoolExecutor] | None = None

    async def get_response_async(self, request):
        response = await sync_to_async(self.get_response, thread_sensitive=True)(request)
        return make_streaming_async(response)

    def _pool(self) -> asyncio.LifoQueue[ThreadPoolExecutor]:
        if self._executors is None:
            self._executors = asyncio.LifoQueue()
            for index in range(int(settings.CAREFRONT.get("ASGI_THREADS", 4))):
                self._executors.put_nowait(
                    ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"django-sync-{index}")
                )
        return self._executors

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # refuses it, as Django does
            return
        pool = self._pool()
        # Last in, first out: the busiest threads keep their connections warm.
        executor = await pool.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            pool.put_nowait(executor)


class ServerLoopRecorder:
    """Tells carefront.core.realtime which loop the sockets live on, on the first connection
    (and on lifespan start-up), so that worker threads can send to them."""

    def __init__(self, app) -> None:
        self.app = app
        self._recorded: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope, receive, send) -> None:
        loop = asyncio.get_running_loop()
        # Again when the loop changes (a restarted server in the same process, tests).
        if loop is not self._recorded:
            from carefront.core.realtime import remember_server_loop

            remember_server_loop(loop)
            self._recorded = loop
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        await self.app(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        """Answer uvicorn's lifespan protocol (nothing to start or stop), so that running with
        lifespan "auto" or "on" logs no error: ProtocolTypeRouter knows no "lifespan"."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
