"""The chat widget on a shop's website (another origin) and an agent answering in Carefront.

Carefront runs under uvicorn in a thread (HTTP and WebSockets, config.asgi); the shop is a plain
HTML page from Python's http.server on `localhost` (Carefront is on 127.0.0.1, so the two are
different sites), with a strict CSP and hostile global styles (tests/e2e/chat_host.py).
"""

import re
import socket
import sqlite3
import threading
import time
import urllib.request

import pytest
import uvicorn
from django.db import connections
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.models import Conversation, Message

from .chat_host import serve_folder, write_site
from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)

WIDGET = "#carefront-chat-{key}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _retry_when_locked(method):
    """SQLite's shared in-memory test database locks whole tables, and a statement that meets
    another thread's lock fails at once (the busy timeout does not apply to shared-cache
    locks). The server's threads and the test's share that database here: wait for the lock
    as a file database would."""

    def execute(self, *args, **kwargs):
        deadline = time.monotonic() + 10
        while True:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    return execute


@pytest.fixture
def shared_sqlite(monkeypatch):
    if connections["default"].vendor != "sqlite":
        return
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    monkeypatch.setattr(
        SQLiteCursorWrapper, "execute", _retry_when_locked(SQLiteCursorWrapper.execute)
    )
    monkeypatch.setattr(
        SQLiteCursorWrapper, "executemany", _retry_when_locked(SQLiteCursorWrapper.executemany)
    )


@pytest.fixture
def carefront_url(transactional_db, shared_sqlite):
    """config.asgi served by uvicorn, as `carefront serve` does: HTTP and WebSockets."""
    from channels.layers import channel_layers

    import config.asgi

    # A fresh in-memory channel layer and server loop for this server.
    channel_layers.backends.clear()
    config.asgi.application._recorded = False
    for connection in connections.all():
        connection.close()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            config.asgi.application,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            ws="websockets-sansio",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    # The first request imports every view (seconds on a busy machine): not the tests' business.
    urllib.request.urlopen(url + "/login/", timeout=120).read()  # noqa: S310
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def chat(carefront_url):
    from carefront.accounts.services.availability import agent_set_availability
    from carefront.inboxes.chat.services import chat_inbox_create

    team = TeamFactory(name="Chat team")
    agent = AgentFactory(email="grace@carefront.test", name="Grace Hopper", role=Role.AGENT)
    team.members.add(agent)
    # Someone online with room, or the widget offers email instead (docs/routing.md).
    agent_set_availability(agent=agent, availability="online")
    inbox = chat_inbox_create(
        name="Website chat",
        teams=[team],
        allowed_domains="localhost",
        title="Shop support",
        greeting="Hi! How can we help?",
        accent_color="#7b1fa2",
        prechat_fields=[
            {"name": "name", "label": "Your name", "required": False},
            {"name": "email", "label": "Your email", "required": True},
        ],
    )
    return {"key": inbox.chat_settings.public_key, "inbox": inbox, "agent": agent}


@pytest.fixture
def shop_url(tmp_path, chat, carefront_url):
    folder = write_site(tmp_path / "shop", carefront=carefront_url, key=chat["key"])
    with serve_folder(folder) as port:
        yield f"http://localhost:{port}/"


def _widget(page, key):
    return page.locator(WIDGET.format(key=key))


def _open_and_start(page, key, *, email="ana@example.com", name="Ana Lima"):
    widget = _widget(page, key)
    widget.get_by_role("button", name="Chat with us").click()
    dialog = widget.get_by_role("dialog", name="Shop support")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Your name").fill(name)
    dialog.get_by_label("Your email").fill(email)
    dialog.get_by_role("button", name="Start the chat").click()
    expect(dialog.get_by_label("Message")).to_be_focused()
    return dialog


def _send(dialog, text):
    box = dialog.get_by_label("Message")
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def _chat_conversation(inbox) -> Conversation:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        conversation = Conversation.objects.filter(inbox=inbox).first()
        if conversation is not None:
            return conversation
        time.sleep(0.1)
    raise AssertionError("no conversation was started")


def _sign_in(page, base_url):
    page.goto(base_url + "/login/")
    page.get_by_label("Email").fill("grace@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _agent_reply(page, text):
    page.locator("#reply-body").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".message-outgoing").last).to_contain_text(text)


def test_visitor_chats_from_another_site_and_an_agent_answers(
    browser, shop_url, carefront_url, chat, screenshot_dir
):
    visitor_context = browser.new_context(viewport={"width": 1280, "height": 860})
    agent_context = browser.new_context(viewport={"width": 1280, "height": 900})
    visitor = visitor_context.new_page()
    problems = []
    visitor.on("pageerror", lambda error: problems.append(str(error)))
    visitor.goto(shop_url)
    dialog = _open_and_start(visitor, chat["key"])
    expect(dialog.get_by_text("Hi! How can we help?")).to_be_visible()
    _send(dialog, "Hello, where is my order 1042?")
    sent = dialog.locator("li.mine").filter(has_text="where is my order 1042")
    expect(sent).to_be_visible()
    expect(sent).not_to_contain_text("Sending")

    conversation = _chat_conversation(chat["inbox"])
    agent = agent_context.new_page()
    _sign_in(agent, carefront_url)
    agent.goto(f"{carefront_url}/c/{conversation.pk}/")
    expect(agent.get_by_text("Hello, where is my order 1042?").first).to_be_visible()
    _agent_reply(agent, "Hi Ana, it ships tomorrow.")

    reply = dialog.locator("li.msg:not(.mine)").filter(has_text="it ships tomorrow")
    expect(reply).to_be_visible()
    expect(reply).to_contain_text("Grace Hopper")
    visitor.screenshot(path=str(screenshot_dir / "chat-widget.png"))

    _send(dialog, "Thank you!")
    expect(dialog.locator("li.mine").filter(has_text="Thank you!")).not_to_contain_text("Sending")
    agent.reload()
    expect(agent.get_by_text("Thank you!").first).to_be_visible()
    assert Message.objects.filter(conversation=conversation).count() == 3
    assert problems == []
    visitor_context.close()
    agent_context.close()


TRACK_SOCKETS = """
window.__sockets = [];
const Native = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
  window.__sockets.push(ws);
  return ws;
};
window.WebSocket.prototype = Native.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
"""


def test_a_cut_connection_is_restored_and_nothing_is_missing(
    browser, shop_url, chat, screenshot_dir
):
    from carefront.conversations.services import conversation_reply

    context = browser.new_context()
    context.add_init_script(TRACK_SOCKETS)
    page = context.new_page()
    page.goto(shop_url)
    dialog = _open_and_start(page, chat["key"])
    _send(dialog, "First question")
    expect(dialog.locator("li.mine").filter(has_text="First question")).not_to_contain_text(
        "Sending"
    )
    conversation = _chat_conversation(chat["inbox"])

    # The network goes away: the widget says so, and what the visitor types waits.
    context.set_offline(True)
    page.evaluate("window.__sockets.forEach((ws) => ws.close())")
    expect(
        dialog.get_by_role("status").filter(has_text=re.compile("offline|Reconnecting"))
    ).to_be_visible()
    _send(dialog, "Typed while offline")
    expect(dialog.locator("li.mine").filter(has_text="Typed while offline")).to_contain_text(
        "Not sent yet"
    )
    # Meanwhile two agent replies land.
    for text in ("Reply one while you were away", "Reply two while you were away"):
        conversation_reply(conversation=conversation, author=chat["agent"], body=text)
    page.screenshot(path=str(screenshot_dir / "chat-widget-offline.png"))

    context.set_offline(False)
    expect(dialog.get_by_text("Reply one while you were away")).to_be_visible(timeout=15_000)
    expect(dialog.get_by_text("Reply two while you were away")).to_be_visible()
    queued = dialog.locator("li.mine").filter(has_text="Typed while offline")
    expect(queued).not_to_contain_text("Not sent yet", timeout=15_000)
    expect(dialog.get_by_role("status").filter(has_text="Reconnecting")).to_have_count(0)

    # A second cut, of the socket only (the server restarts, a proxy drops it): resumed again.
    page.evaluate("window.__sockets.forEach((ws) => ws.close())")
    conversation_reply(conversation=conversation, author=chat["agent"], body="Reply three")
    expect(dialog.get_by_text("Reply three")).to_be_visible(timeout=15_000)

    texts = list(
        Message.objects.filter(conversation=conversation).values_list("body_text", flat=True)
    )
    assert sum("Typed while offline" in text for text in texts) == 1
    # Each message shown once in the widget, in order.
    shown = dialog.locator("li.msg .bubble").all_inner_texts()
    assert [text for text in shown if "while you were away" in text] == [
        "Reply one while you were away",
        "Reply two while you were away",
    ]
    assert sum("Typed while offline" in text for text in shown) == 1
    context.close()


def test_keyboard_only(watched_page, shop_url, chat):
    page = watched_page
    page.goto(shop_url)
    widget = _widget(page, chat["key"])
    launcher = widget.get_by_role("button", name="Chat with us")
    expect(launcher).to_be_visible()
    # Tab from the page's link reaches the launcher; Enter opens the chat.
    page.get_by_role("link", name="Products").focus()
    page.keyboard.press("Tab")
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    dialog = widget.get_by_role("dialog", name="Shop support")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Your name")).to_be_focused()
    page.keyboard.type("Ana")
    page.keyboard.press("Tab")
    page.keyboard.type("ana@example.com")
    page.keyboard.press("Enter")
    expect(dialog.get_by_label("Message")).to_be_focused()
    page.keyboard.type("Typed with the keyboard")
    page.keyboard.press("Enter")
    expect(dialog.locator("li.mine").filter(has_text="Typed with the keyboard")).to_be_visible()
    # The focus stays in the open panel.
    for _ in range(8):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == f"carefront-chat-{chat['key']}"
    for _ in range(8):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.id") == f"carefront-chat-{chat['key']}"
    # Esc closes it and gives the focus back to the launcher.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert page_problems(page) == []


def test_full_screen_on_a_phone(browser, shop_url, chat, screenshot_dir):
    context = browser.new_context(
        viewport={"width": 390, "height": 760}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(shop_url)
    dialog = _open_and_start(page, chat["key"])
    box = dialog.bounding_box()
    assert box == {"x": 0, "y": 0, "width": 390, "height": 760}
    _send(dialog, "From my phone")
    expect(dialog.locator("li.mine").filter(has_text="From my phone")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "chat-widget-phone.png"))
    dialog.get_by_role("button", name="Close the chat").click()
    expect(dialog).to_be_hidden()
    context.close()


def test_markup_in_messages_is_shown_as_text(watched_page, shop_url, chat):
    from carefront.conversations.services import conversation_reply

    page = watched_page
    page.goto(shop_url)
    dialog = _open_and_start(page, chat["key"])
    attack = '<img src=x onerror="window.__xss=1"><b>bold</b>'
    _send(dialog, attack)
    expect(dialog.locator("li.mine .bubble").filter(has_text=attack)).to_be_visible()
    conversation = _chat_conversation(chat["inbox"])
    conversation_reply(
        conversation=conversation,
        author=chat["agent"],
        body='<script>window.__xss=2</script><img src=x onerror="window.__xss=3">',
    )
    expect(dialog.get_by_text("<script>window.__xss=2</script>", exact=False)).to_be_visible()
    widget = _widget(page, chat["key"])
    assert widget.locator(".bubble img, .bubble b, .bubble script").count() == 0
    assert page.evaluate("window.__xss") is None


def test_without_websockets_the_widget_polls(browser, shop_url, chat):
    from carefront.conversations.services import conversation_reply

    context = browser.new_context()
    # A proxy that refuses WebSocket upgrades looks like this to the page.
    context.add_init_script(
        "window.WebSocket = function () { throw new Error('WebSocket blocked'); };"
    )
    page = context.new_page()
    page.goto(shop_url)
    dialog = _open_and_start(page, chat["key"])
    _send(dialog, "Sent over plain HTTP")
    expect(dialog.locator("li.mine").filter(has_text="Sent over plain HTTP")).not_to_contain_text(
        "Not sent", timeout=15_000
    )
    expect(dialog.get_by_role("status").filter(has_text="Live updates are slow")).to_be_visible(
        timeout=15_000
    )
    conversation = _chat_conversation(chat["inbox"])
    conversation_reply(conversation=conversation, author=chat["agent"], body="Polled answer")
    expect(dialog.get_by_text("Polled answer")).to_be_visible(timeout=15_000)
    assert Message.objects.filter(conversation=conversation).count() == 2
    context.close()


PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f0005000201a5ddd3c80000000049454e44ae426082"
)


def test_visitor_uploads_a_file(watched_page, shop_url, chat):
    page = watched_page
    page.goto(shop_url)
    dialog = _open_and_start(page, chat["key"])
    _send(dialog, "Here is the receipt")
    with page.expect_file_chooser() as chooser:
        dialog.get_by_role("button", name="Attach a file").click()
    chooser.value.set_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": PNG_1PX}]
    )
    link = dialog.get_by_role("link", name=re.compile(r"receipt\.png"))
    expect(link).to_be_visible(timeout=15_000)
    conversation = _chat_conversation(chat["inbox"])
    message = Message.objects.filter(conversation=conversation).order_by("-id").first()
    assert [a.filename for a in message.attachments.all()] == ["receipt.png"]
    assert page_problems(page) == []


def test_nobody_available_the_visitor_leaves_an_email(watched_page, tmp_path, carefront_url):
    from carefront.inboxes.chat.models import ChatVisitor
    from carefront.inboxes.chat.services import chat_inbox_create

    inbox = chat_inbox_create(
        name="After-hours chat", allowed_domains="localhost", title="Night desk"
    )  # no team, so no agent: nobody is available
    key = inbox.chat_settings.public_key
    folder = write_site(tmp_path / "night", carefront=carefront_url, key=key)
    page = watched_page
    with serve_folder(folder) as port:
        page.goto(f"http://localhost:{port}/")
        widget = _widget(page, key)
        widget.get_by_role("button", name="Chat with us").click()
        dialog = widget.get_by_role("dialog", name="Night desk")
        expect(dialog.get_by_text("Nobody is available right now.").first).to_be_visible()
        email = dialog.get_by_label("Your email")
        expect(email).to_be_focused()
        email.fill("not an address")
        dialog.get_by_role("button", name="Continue by email").click()
        expect(dialog.get_by_role("alert")).to_have_text("Please enter a valid email address.")
        email.fill("night@example.com")
        dialog.get_by_label("Your message").fill("Please call me back tomorrow.")
        dialog.get_by_role("button", name="Continue by email").click()
        expect(dialog.get_by_text("We will answer you by email.")).to_be_visible()
    visitor = ChatVisitor.objects.get(inbox=inbox)
    assert visitor.email == "night@example.com"
    assert Message.objects.filter(
        conversation__inbox=inbox, body_text__contains="call me back"
    ).exists()
    assert page_problems(page) == []


def test_the_link_in_an_emailed_reply_reopens_the_chat(
    browser, watched_page, shop_url, chat, carefront_url
):
    from carefront.conversations.services import conversation_reply
    from carefront.inboxes.chat.models import ChatVisitor
    from carefront.inboxes.chat.services import resume_link_token

    context = browser.new_context()
    page = context.new_page()
    page.goto(shop_url)
    dialog = _open_and_start(page, chat["key"])
    _send(dialog, "I have to leave now")
    expect(dialog.locator("li.mine").filter(has_text="I have to leave now")).not_to_contain_text(
        "Sending"
    )
    context.close()
    conversation = _chat_conversation(chat["inbox"])
    conversation_reply(conversation=conversation, author=chat["agent"], body="Found it for you")

    # Another browser (the visitor's phone), from the link in the email: Carefront's own page,
    # under Carefront's CSP.
    visitor = ChatVisitor.objects.get(conversation=conversation)
    page = watched_page
    page.goto(f"{carefront_url}/chat/{chat['key']}/c/{resume_link_token(visitor)}/")
    dialog = _widget(page, chat["key"]).get_by_role("dialog", name="Shop support")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("I have to leave now")).to_be_visible()
    expect(dialog.get_by_text("Found it for you")).to_be_visible()
    _send(dialog, "Thanks, back again")
    expect(dialog.locator("li.mine").filter(has_text="back again")).not_to_contain_text("Sending")
    assert Message.objects.filter(conversation=conversation).count() == 3
    assert page_problems(page) == []
