"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Run them in their own pytest process (`make test-e2e`): Playwright keeps an event loop running
in the main thread, which breaks `asyncio.run()` in tests that come after it.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls in these tests are
# plain synchronous setup, so Django's async guard is switched off here only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT_DIR = Path(
    os.environ.get(
        "CAREFRONT_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots"
    )
)

# Collects CSP violations in the page; console messages alone can miss report-only details.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def watched_page(page):
    """A page that records console errors, page errors and CSP violations."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console: {m.text} at {m.location}") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.add_init_script(WATCH_CSP)
    page.problems = problems
    yield page


def page_problems(page) -> list[str]:
    violations = page.evaluate("window.__cspViolations || []")
    return [*page.problems, *(f"csp: {v}" for v in violations)]


# The live server is Carefront's ASGI application under uvicorn (HTTP, static files through
# WhiteNoise, and WebSockets: the agent pages' live updates, the chat), as `serve` runs it.
# Its requests run on several threads with their own database connections, so with SQLite the
# test database is a file (WAL) instead of pytest-django's shared in-memory connection.


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    from django.db import connections

    settings_dict = connections["default"].settings_dict
    if settings_dict["ENGINE"].endswith("postgresql"):
        return
    # In memory (tmpfs) where there is one: creating the schema on disk takes minutes.
    shm = Path("/dev/shm")  # noqa: S108 - a private mkdtemp folder inside it
    folder = (
        Path(tempfile.mkdtemp(prefix="carefront-e2e-", dir=shm))
        if shm.is_dir()
        else tmp_path_factory.mktemp("e2e-db")
    )
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = str(folder / "carefront.sqlite3")
    settings_dict["NAME"] = path
    settings_dict["TEST"]["NAME"] = path


class AsgiLiveServer:
    """What pytest-django's live_server offers (`url`, `stop`), served by uvicorn in a thread."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        import threading

        import uvicorn
        from django.test.utils import modify_settings

        from config.asgi import application

        self.host = host
        self._live_server_modified_settings = modify_settings(ALLOWED_HOSTS={"append": host})
        self.server = uvicorn.Server(
            uvicorn.Config(
                application, host=host, port=0, lifespan="on", log_level="warning", ws="auto"
            )
        )
        self.thread = threading.Thread(target=self.server.run, name="asgi-live-server", daemon=True)
        self.thread.start()
        import time

        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the ASGI live server did not start")
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __str__(self) -> str:
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(request):
    server = AsgiLiveServer()
    yield server
    server.stop()
