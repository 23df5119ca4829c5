"""An agent signs in, opens a conversation from the inbox with the keyboard, and replies."""

import re

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.automation.models import SavedReply
from carefront.conversations.inbound import InboundAttachment
from carefront.conversations.models import Direction, Message
from carefront.conversations.services import conversation_assign, conversation_set_tags
from carefront.conversations.tests.factories import conversation_for
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f0005000201a5ddd3c80000000049454e44ae426082"
)


@pytest.fixture
def workspace():
    team = TeamFactory(name="Frontline")
    agent = AgentFactory(
        email="grace@carefront.test",
        name="Grace Hopper",
        role=Role.AGENT,
        time_zone="Europe/Berlin",
    )
    team.members.add(agent)
    inbox = InboxFactory(name="Support", teams=[team])
    parcel = conversation_for(
        inbox,
        from_address="ana@example.com",
        from_name="Ana Lima",
        subject="Where is my parcel?",
        body_text="Hello, my parcel has not arrived yet.\n\nOn Monday you wrote:\n> It shipped.",
        reply_text="Hello, my parcel has not arrived yet.",
        body_html=(
            '<p>Hello, my parcel has <b>not</b> arrived yet.</p><p><img src="cid:logo@shop" '
            'alt="logo"></p><blockquote>It shipped.</blockquote>'
        ),
        attachments=[
            InboundAttachment(
                "logo.png", "image/png", PNG_1PX, content_id="<logo@shop>", is_inline=True
            ),
            InboundAttachment("receipt.pdf", "application/pdf", b"%PDF-1.4 receipt"),
        ],
    )
    conversation_set_tags(conversation=parcel, names=["shipping"], actor=agent)
    others = [
        ("Bruno Diaz", "Refund for order 1042", "I returned the shoes two weeks ago."),
        ("Chen Wei", "Cannot log in", "The reset link says it expired."),
        ("Dana Kim", "Invoice address", "Please put our VAT number on the invoice."),
    ]
    for name, subject, body in others:
        conversation = conversation_for(
            inbox,
            from_name=name,
            from_address=f"{name.split()[0].lower()}@example.com",
            subject=subject,
            body_text=body,
        )
        if name == "Chen Wei":
            conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    SavedReply.objects.create(
        title="Parcel delay", body="Hi {{ customer.first_name }}, I am checking with the carrier."
    )
    return {"agent": agent, "parcel": parcel}


def _sign_in(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Email").fill("grace@carefront.test")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()


def test_agent_logs_in_opens_conversation_and_replies(
    live_server, watched_page, workspace, screenshot_dir
):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    _sign_in(page, page.url)

    expect(page.get_by_role("heading", name="All open")).to_be_visible()
    expect(page.get_by_text("Where is my parcel?")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "inbox.png"), full_page=True)

    # Keyboard: j selects the first row (waiting longest: the parcel), Enter opens it.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Where is my parcel?")).to_be_visible()
    expect(page.get_by_text("Hello, my parcel has not arrived yet.").first).to_be_visible()
    page.get_by_text("Show with original formatting").click()
    frame = page.frame_locator("iframe.message-frame")
    expect(frame.locator("img[alt=logo]")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "conversation.png"), full_page=True)

    # r focuses the reply box; the saved reply is filled in by the script.
    page.keyboard.press("r")
    expect(page.locator("#reply-body")).to_be_focused()
    page.get_by_role("button", name="Insert").click()
    expect(page.locator("#reply-body")).to_have_value(re.compile("Hi Ana, I am checking"))
    page.locator("#reply-body").fill("Hi Ana, the parcel is with the carrier and arrives Friday.")
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_text("Your reply is on its way.")).to_be_visible()
    reply = page.locator(".message-outgoing").last
    expect(reply).to_contain_text("arrives Friday")
    expect(reply).to_contain_text("Sent")
    assert Message.objects.filter(
        conversation=workspace["parcel"], direction=Direction.OUTGOING, body_text__contains="Friday"
    ).exists()
    page.screenshot(path=str(screenshot_dir / "conversation-after-reply.png"), full_page=True)

    # ? shows the shortcut help; a shortcut never fires while typing.
    page.locator("#note-body").fill("s")
    expect(page.locator("#note-body")).to_have_value("s")
    page.locator("#note-body").fill("")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()

    assert page_problems(page) == []


def test_inbox_and_conversation_fit_a_phone(live_server, watched_page, workspace, screenshot_dir):
    page = watched_page
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server.url + "/login/")
    expect(page.get_by_text("Where is my parcel?")).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "inbox-phone.png"), full_page=True)
    page.get_by_text("Where is my parcel?").click()
    expect(page.get_by_role("heading", name="Where is my parcel?")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "conversation-phone.png"), full_page=True)
    assert page_problems(page) == []


def test_agent_ticks_rows_with_the_keyboard_and_solves_them_at_once(
    live_server, watched_page, workspace, screenshot_dir
):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url + "/login/")
    expect(page.get_by_role("heading", name="All open")).to_be_visible()

    # x ticks the selected row: the first two rows (j, x, j, x).
    for _ in range(2):
        page.keyboard.press("j")
        page.keyboard.press("x")
    assert page.locator(".row-select:checked").count() == 2
    page.locator("#bulk-status").select_option("solved")
    page.screenshot(path=str(screenshot_dir / "inbox-bulk.png"), full_page=True)
    page.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_text("2 conversations changed.")).to_be_visible()
    expect(page.locator("[data-row]")).to_have_count(2)  # 4 open, 2 solved
    assert page_problems(page) == []


def test_agent_attaches_a_file_to_a_reply(live_server, watched_page, workspace, tmp_path):
    """The reply form posts through htmx as multipart: the file arrives and is listed."""
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url + "/login/")
    page.goto(live_server.url + f"/c/{workspace['parcel'].pk}/")
    label = tmp_path / "return-label.pdf"
    label.write_bytes(b"%PDF-1.4 label")
    page.locator("#reply-body").fill("Your return label is attached.")
    page.locator("#reply-files").set_input_files(str(label))
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_text("Your reply is on its way.")).to_be_visible()
    reply = page.locator(".message-outgoing").last
    expect(reply).to_contain_text("return-label.pdf")
    # The agent's reply, not the automatic acknowledgement the conversation got when it came in.
    message = Message.objects.get(
        conversation=workspace["parcel"], direction=Direction.OUTGOING, author__isnull=False
    )
    assert list(message.attachments.values_list("filename", "size")) == [("return-label.pdf", 14)]
    assert page_problems(page) == []
