"""The widget's HTTP endpoints: origins and CORS, sessions and identity, messages, events."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carefront.accounts.services.availability import agent_set_availability
from carefront.conversations.models import Conversation, Message
from carefront.conversations.services import conversation_reply
from carefront.customers.models import Customer
from carefront.inboxes.chat.services import identity_hash
from carefront.inboxes.models import RawInbound

from .conftest import ORIGIN, SECRET, Widget

pytestmark = pytest.mark.django_db


def test_config_answers_cors_for_an_allowed_origin(widget, agent):
    # Nobody of the inbox's team is online yet: the widget offers email instead.
    assert widget.get("config").json()["available"] is False
    agent_set_availability(agent=agent, availability="online")

    response = widget.get("config")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    body = response.json()
    assert body["title"] == "Ask us"
    assert body["available"] is True
    assert [f["name"] for f in body["prechat"]] == ["name", "email"]
    assert body["prechat"][1]["type"] == "email"
    assert body["strings"]["send"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.net",
        "https://shop.example.com.evil.net",
        "null",
        "https://example.org",
    ],
)
def test_other_origins_are_refused_without_cors(chat, origin):
    response = Widget(chat, origin=origin).get("config")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_refused"
    assert "Access-Control-Allow-Origin" not in response


def test_a_subdomain_pattern_allows_subdomains(chat):
    assert Widget(chat, origin="https://help.example.org").get("config").status_code == 200


def test_preflight_is_answered_for_allowed_origins(widget):
    response = widget.client.options(widget.url("messages"), headers={"Origin": ORIGIN})
    assert response.status_code == 204
    assert response["Access-Control-Allow-Headers"] == "Content-Type"


def test_an_unknown_key_is_a_404(db):
    response = Widget(type("C", (), {"public_key": "nope"})()).get("config")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_first_message_starts_a_conversation_through_message_receive(widget, chat):
    session = widget.start()
    assert session["conversation_id"] is None
    response = widget.say("Hello, my order is late", prechat={"name": "Ada", "email": "ada@x.org"})
    assert response.status_code == 200, response.content
    body = response.json()
    conversation = Conversation.objects.get(pk=body["conversation_id"])
    assert conversation.inbox_id == chat.inbox_id
    message = Message.objects.get(pk=body["message_id"])
    assert message.channel == "chat"
    assert message.raw.source == "chat"  # the raw input is kept with it
    assert message.customer.name == "Ada"
    # An unconfirmed address is never put on the customer.
    assert message.customer.email == ""
    events = widget.events().json()["events"]
    kinds = [e["kind"] for e in events]
    assert kinds == ["message", "queue"]
    assert events[0]["data"]["direction"] == "in"
    assert events[0]["data"]["text"] == "Hello, my order is late"
    assert events[0]["seq"] == body["seq"]
    assert events[1]["data"]["position"] == 1


def test_messages_are_idempotent_on_client_id(widget):
    widget.start()
    client_id = str(uuid.uuid4())
    first = widget.say("Hi", client_id=client_id).json()
    again = widget.say("Hi", client_id=client_id).json()
    assert first == again
    assert Message.objects.count() == 1


def test_the_next_message_continues_the_conversation(widget):
    widget.start()
    first = widget.say("one").json()
    second = widget.say("two").json()
    assert first["conversation_id"] == second["conversation_id"]
    assert Conversation.objects.count() == 1


def test_a_returning_browser_continues_its_history(widget, chat):
    widget.start()
    first = widget.say("one").json()
    again = Widget(chat)
    again.token = widget.token
    session = again.start()
    assert session["conversation_id"] == first["conversation_id"]
    assert session["last_seq"] >= first["seq"]


def test_events_after_a_seq_replay_only_what_is_new(widget, agent):
    widget.start()
    sent = widget.say("one").json()
    conversation = Conversation.objects.get(pk=sent["conversation_id"])
    conversation_reply(conversation=conversation, author=agent, body="Hello from us")
    events = widget.events(after=sent["seq"]).json()["events"]
    replies = [e for e in events if e["kind"] == "message"]
    assert [e["data"]["text"] for e in replies] == ["Hello from us"]
    assert replies[0]["data"]["direction"] == "out"


def test_notes_never_reach_the_visitor(widget, agent):
    from carefront.conversations.services import conversation_add_note

    widget.start()
    sent = widget.say("one").json()
    conversation = Conversation.objects.get(pk=sent["conversation_id"])
    conversation_add_note(conversation=conversation, author=agent, body="internal: VIP")
    texts = [e["data"].get("text") for e in widget.events().json()["events"]]
    assert "internal: VIP" not in texts


def test_a_forged_token_reads_nothing(widget, chat):
    widget.start()
    widget.say("secret order 123")
    other = Widget(chat)
    other.token = widget.token[:-2] + ("AA" if not widget.token.endswith("AA") else "BB")
    response = other.events()
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_token"


def test_a_token_of_another_inbox_is_refused(widget, chat, team):
    from carefront.inboxes.chat.services import chat_inbox_create

    widget.start()
    widget.say("mine")
    other_inbox = chat_inbox_create(name="Other", teams=[team], allowed_domains="shop.example.com")
    stranger = Widget(other_inbox.chat_settings)
    stranger.token = widget.token
    assert stranger.events().status_code == 401
    assert stranger.say("hi").status_code == 401


def test_two_visitors_never_share_a_conversation(chat):
    one, two = Widget(chat), Widget(chat)
    one.start()
    two.start()
    a = one.say("one").json()
    b = two.say("two").json()
    assert a["conversation_id"] != b["conversation_id"]
    assert all(e["data"].get("text") != "one" for e in two.events().json()["events"])


def test_identity_verification_continues_across_browsers(chat):
    user = {"id": "u-42", "name": "Grace", "hash": identity_hash(secret=SECRET, user_id="u-42")}
    laptop = Widget(chat)
    assert laptop.start(user=user)["verified"] is True
    sent = laptop.say("from the laptop").json()
    phone = Widget(chat)
    session = phone.start(user=user)
    assert session["conversation_id"] == sent["conversation_id"]


def test_a_wrong_hash_is_not_verified(chat):
    user = {"id": "u-42", "hash": "00" * 32}
    assert Widget(chat).start(user=user)["verified"] is False


def test_required_identity_refuses_unsigned_visitors(chat):
    chat.require_verified_identity = True
    chat.save()
    response = Widget(chat).post("session", {"visitor_token": None, "user": {"id": "u-1"}})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "identity_required"
    user = {"id": "u-1", "hash": identity_hash(secret=SECRET, user_id="u-1")}
    assert Widget(chat).start(user=user)["verified"] is True


def test_an_unverified_email_of_a_known_customer_is_not_merged(widget):
    known = Customer.objects.create(name="Real Ada", email="ada@x.org")
    from carefront.customers.models import CustomerIdentity

    CustomerIdentity.objects.create(customer=known, value="ada@x.org")
    widget.start()
    sent = widget.say("give me my data", prechat={"email": "ada@x.org"}).json()
    conversation = Conversation.objects.get(pk=sent["conversation_id"])
    assert conversation.customer_id != known.pk


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"text": "", "client_id": str(uuid.uuid4())}, "invalid"),
        ({"text": "x" * 5001, "client_id": str(uuid.uuid4())}, "invalid"),
        ({"text": "hi", "client_id": "not a uuid!"}, "invalid"),
        ({"text": ["list"], "client_id": str(uuid.uuid4())}, "invalid"),
    ],
)
def test_bad_messages_get_a_clear_error(widget, payload, code):
    widget.start()
    response = widget.post("messages", {"visitor_token": widget.token, **payload})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert Message.objects.count() == 0


def test_bad_json_is_a_400(widget):
    response = widget.client.post(
        widget.url("messages"),
        b"{nope",
        content_type="application/json",
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_required_prechat_fields_are_asked_for(widget, chat):
    chat.prechat_fields = [{"name": "email", "required": True, "label": ""}]
    chat.save()
    widget.start()
    response = widget.say("hi")
    assert response.status_code == 400
    assert widget.say("hi", prechat={"email": "a@b.org"}).status_code == 200


def test_upload_stores_the_file_with_the_message(widget):
    widget.start()
    upload = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = widget.client.post(
        widget.url("upload"),
        {"visitor_token": widget.token, "client_id": str(uuid.uuid4()), "file": upload},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 200, response.content
    message = Message.objects.get(pk=response.json()["message_id"])
    assert [a.filename for a in message.attachments.all()] == ["receipt.pdf"]
    events = widget.events().json()["events"]
    files = events[0]["data"]["attachments"]
    assert files[0]["name"] == "receipt.pdf"
    download = widget.client.get(files[0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert download["Content-Type"] == "application/octet-stream"


def test_a_file_link_is_refused_to_another_visitor(widget, chat):
    widget.start()
    upload = SimpleUploadedFile("a.txt", b"private", content_type="text/plain")
    widget.client.post(
        widget.url("upload"),
        {"visitor_token": widget.token, "client_id": str(uuid.uuid4()), "file": upload},
        headers={"Origin": ORIGIN},
    )
    url = widget.events().json()["events"][0]["data"]["attachments"][0]["url"]
    forged = url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1][:-3] + "xyz"
    assert widget.client.get(forged).status_code == 404


def test_uploads_over_the_limit_are_refused(widget, settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "MAX_ATTACHMENT_BYTES": 10}
    widget.start()
    upload = SimpleUploadedFile("big.bin", b"x" * 100, content_type="application/octet-stream")
    response = widget.client.post(
        widget.url("upload"),
        {"visitor_token": widget.token, "client_id": str(uuid.uuid4()), "file": upload},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code in (400, 413)
    assert "error" in response.json()
    assert Message.objects.count() == 0


def test_rate_limits_per_visitor(widget, settings):
    settings.CAREFRONT = {
        **settings.CAREFRONT,
        "API_RATE_LIMITS": {**settings.CAREFRONT["API_RATE_LIMITS"], "chat_visitor": "3/min"},
    }
    widget.start()
    codes = [widget.say(f"m{i}").status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_rate_limits_per_ip(chat, settings):
    settings.CAREFRONT = {
        **settings.CAREFRONT,
        "API_RATE_LIMITS": {**settings.CAREFRONT["API_RATE_LIMITS"], "chat_ip": "2/min"},
    }
    widget = Widget(chat)
    codes = [widget.get("config").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_continue_by_email_keeps_the_message_and_sends_a_confirmation(
    widget, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.CAREFRONT = {**settings.CAREFRONT, "BASE_URL": "https://help.test"}
    widget.start()
    with django_capture_on_commit_callbacks(execute=True):
        response = widget.post(
            "email", {"visitor_token": widget.token, "email": "bob@x.org", "text": "Call me back"}
        )
    assert response.status_code == 200
    assert Message.objects.get().body_text == "Call me back"
    assert RawInbound.objects.filter(source="chat").count() == 1
    assert [m.to for m in mail.outbox] == [["bob@x.org"]]
    assert "https://help.test/chat/confirm/" in mail.outbox[0].body


def test_visitor_text_is_escaped_on_the_agent_page(widget, agent, client):
    widget.start()
    sent = widget.say('<script>alert("x")</script>').json()
    client.force_login(agent)
    page = client.get(f"/c/{sent['conversation_id']}/")
    assert page.status_code == 200
    assert b'<script>alert("x")</script>' not in page.content
    assert b"&lt;script&gt;" in page.content


def test_config_speaks_the_visitors_language(widget):
    response = widget.client.get(
        widget.url("config"), headers={"Origin": ORIGIN, "Accept-Language": "de"}
    )
    body = response.json()
    assert body["language"] == "de"
    assert body["strings"]["open"] == "Chatten Sie mit uns"


def test_a_session_alone_creates_no_customer(widget):
    before = Customer.objects.count()
    widget.start()
    widget.get("config")
    assert Customer.objects.count() == before
    widget.say("now I write")
    assert Customer.objects.count() == before + 1


def test_events_cost_a_fixed_number_of_queries(widget, agent):
    widget.start()
    sent = widget.say("one").json()
    conversation = Conversation.objects.get(pk=sent["conversation_id"])

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert widget.events().status_code == 200
        return len(queries)

    few = count()
    for i in range(10):
        conversation_reply(conversation=conversation, author=agent, body=f"reply {i}")
        widget.say(f"more {i}")
    assert count() == few
