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
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler


class PooledThreadASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)
        self._executors: asyncio.LifoQueue[ThreadPoolExecutor] | None = None

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

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
