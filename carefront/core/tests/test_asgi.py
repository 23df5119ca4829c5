"""The ASGI handler runs requests' synchronous work on a few long-lived threads."""

import asyncio
import threading
import warnings
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import StreamingHttpResponse

from carefront.core.asgi import PooledThreadASGIHandler, make_streaming_async


class RecordingHandler(PooledThreadASGIHandler):
    """Records the thread its synchronous work ran on instead of serving Django views."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []
        self.running = 0
        self.most_at_once = 0

    async def handle(self, scope, receive, send) -> None:
        def work() -> None:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            threading.Event().wait(0.05)
            self.threads.append(threading.current_thread().name)
            self.running -= 1

        await sync_to_async(work)()


def _serve(handler: RecordingHandler, requests: int, *, together: bool) -> None:
    async def one() -> None:
        await handler({"type": "http"}, None, None)

    async def main() -> None:
        if together:
            await asyncio.gather(*(one() for _ in range(requests)))
        else:
            for _ in range(requests):
                await one()

    asyncio.run(main())


def test_sequential_requests_reuse_one_thread(settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "ASGI_THREADS": 3}
    handler = RecordingHandler()
    _serve(handler, 5, together=False)
    # The same long-lived thread each time, so its database connection is reused.
    assert len(set(handler.threads)) == 1
    assert handler.threads[0].startswith("django-sync-")


def test_concurrent_requests_share_the_pool(settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "ASGI_THREADS": 3}
    handler = RecordingHandler()
    _serve(handler, 9, together=True)
    assert len(handler.threads) == 9
    assert len(set(handler.threads)) == 3
    assert handler.most_at_once == 3


def test_the_real_application_serves_a_request():
    from config.asgi import application

    # HTTP goes to the pooled handler; WebSockets to Channels' routes (config/asgi.py).
    http = application.app.application_mapping["http"]
    assert isinstance(http, PooledThreadASGIHandler)
    # One hop to the thread per request: the middleware chain is synchronous, as under WSGI.
    assert not asyncio.iscoroutinefunction(http._middleware_chain)
    sent: list[dict] = []
    messages = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/no-such-endpoint",
        "raw_path": b"/api/v1/no-such-endpoint",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        "scheme": "http",
        "root_path": "",
    }
    asyncio.run(application(scope, receive, send))
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 404


def _asgi_request(path: str, *, method: str = "GET") -> list[dict]:
    from config.asgi import application

    sent: list[dict] = []
    messages = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        "scheme": "http",
        "root_path": "",
    }
    asyncio.run(application(scope, receive, send))
    return sent


def _streaming_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "StreamingHttpResponse" in str(w.message)]


def test_a_static_file_is_served_under_asgi_without_the_streaming_warning():
    expected = (Path(settings.BASE_DIR) / "carefront/web/static/web/app.js").read_bytes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sent = _asgi_request("/static/web/app.js")
        head = _asgi_request("/static/web/app.js", method="HEAD")
    assert _streaming_warnings(caught) == []
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == expected
    assert head[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in head[1:]) == b""


def test_a_sync_streaming_response_becomes_async_and_keeps_its_content():
    response = StreamingHttpResponse(iter([b"a", "b", b"c"]))

    async def collect() -> bytes:
        return b"".join([part async for part in make_streaming_async(response)])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        body = asyncio.run(collect())
    assert response.is_async
    assert body == b"abc"
    assert _streaming_warnings(caught) == []
