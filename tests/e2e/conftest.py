"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Run them in their own pytest process (`make test-e2e`): Playwright keeps an event loop running
in the main thread, which breaks `asyncio.run()` in tests that come after it.
"""

import os
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
