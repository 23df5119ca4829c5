"""A real HTTP receiver on loopback, recording what it gets and answering as told."""

import http.server
import threading
import time
from dataclasses import dataclass, field

import pytest


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each request with the next behaviour in `script` ("200", "500", "slow", "close",
    "redirect"), then with `default`. Every request is recorded, in order."""

    url: str = ""
    default: str = "200"
    script: list[str] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    slow_seconds: float = 1.5
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_behaviour(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else self.default


class _Handler(http.server.BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with self.receiver.lock:
            self.receiver.requests.append(
                Received("POST", self.path, dict(self.headers.items()), body)
            )
        behaviour = self.receiver.next_behaviour()
        if behaviour == "close":
            self.close_connection = True
            self.connection.close()
            return
        if behaviour == "slow":
            time.sleep(self.receiver.slow_seconds)
            behaviour = "200"
        if behaviour == "redirect":
            self.send_response(302)
            self.send_header("Location", self.receiver.url + "elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        code = int(behaviour)
        text = b"ok" if code < 300 else b"receiver error: " + b"x" * 10_000
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture
def receiver():
    state = Receiver()
    handler = type("Handler", (_Handler,), {"receiver": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/carefront"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
