"""Bulk and list mail becomes a conversation; only true auto-replies, unknown bounces, copies and
broken input are held, never discarded; held mail is listed, counted and released (issue 8).

Every fixture is written here, as the bytes a mail server would hand over."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.models import Conversation, Message
from carefront.conversations.services import Outcome
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.feedback.models import Survey
from carefront.feedback.tests.factories import set_status
from carefront.inboxes.models import HoldReason, RawInbound, RawStatus
from carefront.inboxes.selectors import held_mail_counts, held_mail_get, held_mail_list
from carefront.inboxes.services import email_ingest, emails_ingest, held_mail_release

pytestmark = pytest.mark.django_db

DATE = "Date: Tue, 04 Mar 2025 09:15:00 +0000\r\n"


def eml(head: str, body: str = "Hello, my order has not arrived.\r\n") -> bytes:
    if "Date:" not in head:
        head += DATE
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def list_post(to: str) -> bytes:
    return eml(
        "From: Bea Santos <bea@customer.example>\r\n"
        f"To: {to}\r\n"
        "Subject: [users] Export to CSV drops the last row\r\n"
        "Message-ID: <post-1@customer.example>\r\n"
        "Precedence: bulk\r\n"
        "List-Id: Product users <users.lists.example.org>\r\n"
        "List-Unsubscribe: <mailto:users-leave@lists.example.org>\r\n"
        "List-Post: <mailto:users@lists.example.org>\r\n",
        "When I export a report the last row is missing. Anyone else?\r\n",
    )


def group_forward(to: str) -> bytes:
    # What Google Groups hands over when a customer writes to a group address.
    return eml(
        "From: 'Carl Dias' via Support <support-group@googlegroups.example>\r\n"
        f"To: {to}\r\n"
        "Subject: Refund for order 1182\r\n"
        "Message-ID: <CAF=carl-1@mail.example>\r\n"
        "Precedence: list\r\n"
        "Mailing-list: list support-group@googlegroups.example; contact owner\r\n"
        "List-Id: <support-group.googlegroups.example>\r\n"
        "List-Post: <mailto:support-group@googlegroups.example>\r\n"
        "X-Original-Sender: carl@customer.example\r\n"
        "Reply-To: Carl Dias <carl@customer.example>\r\n",
        "Hello, I returned the parcel a week ago and have no refund yet.\r\n",
    )


def vacation_reply(to: str) -> bytes:
    return eml(
        "From: Dora Lee <dora@customer.example>\r\n"
        f"To: {to}\r\n"
        "Subject: Out of office: back on Monday\r\n"
        "Message-ID: <oof-1@customer.example>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "X-Autoreply: yes\r\n",
        "I am away until Monday and will read your message then.\r\n",
    )


def notification(to: str, *, subject: str, body: str) -> bytes:
    # ITSM tools send every update about one ticket under the same Message-ID.
    return eml(
        "From: Service Desk <desk@itsm.example>\r\n"
        f"To: {to}\r\n"
        f"Subject: {subject}\r\n"
        "Message-ID: <ticket-4711@itsm.example>\r\n"
        "Precedence: bulk\r\n",
        body,
    )


def received(hop: str) -> str:
    return (
        f"Received: from {hop} (unknown [192.0.2.7])\r\n"
        f"\tby mx.carefront.test with ESMTPS id {hop}; Tue, 04 Mar 2025 09:15:02 +0000\r\n"
        f"Delivered-To: support@carefront.test\r\nX-Spam-Score: {len(hop)}\r\n"
    )


def customer_mail(to: str, *, hop: str = "mx1.example", message_id: str | None = "<c-1@ex>"):
    head = received(hop) + f"From: Ana Lima <ana@example.com>\r\nTo: {to}\r\n"
    if message_id:
        head += f"Message-ID: {message_id}\r\n"
    return eml(head + "Subject: Where is my order?\r\n")


def ingest(inbox, data: bytes):
    return email_ingest(inbox=inbox, data=data, source="test")


# --- bulk and list mail --------------------------------------------------------------------


def test_a_list_post_with_precedence_bulk_becomes_a_bulk_conversation(inbox):
    result = ingest(inbox, list_post(inbox.email_address))

    assert result.outcome == Outcome.CREATED
    assert result.hold_reason == ""
    conversation = Conversation.objects.get()
    assert conversation.is_bulk is True
    assert conversation.subject == "[users] Export to CSV drops the last row"
    assert result.message.is_auto_submitted is False


def test_a_customer_writing_through_a_group_address_becomes_a_conversation(inbox):
    result = ingest(inbox, group_forward(inbox.email_address))

    assert result.outcome == Outcome.CREATED
    assert result.conversation.is_bulk is True
    assert "returned the parcel" in result.message.body_text
    assert not RawInbound.objects.exclude(hold_reason="").exists()


def test_ordinary_mail_is_not_bulk(inbox):
    result = ingest(inbox, customer_mail(inbox.email_address))
    assert result.conversation.is_bulk is False


def test_a_bulk_conversation_is_never_sent_a_survey(inbox, agent):
    inbox.rating_delay_minutes = 0
    inbox.save(update_fields=["rating_delay_minutes"])
    bulk = ingest(inbox, list_post(inbox.email_address)).conversation
    direct = ingest(inbox, customer_mail(inbox.email_address)).conversation

    set_status(bulk, "solved", agent)
    set_status(direct, "solved", agent)

    assert not Survey.objects.filter(conversation=bulk).exists()
    assert Survey.objects.filter(conversation=direct).exists()


# --- true auto-replies and bounces: held ---------------------------------------------------


def test_a_vacation_reply_to_no_conversation_is_held_not_shown(inbox):
    result = ingest(inbox, vacation_reply(inbox.email_address))

    assert result.outcome == Outcome.REJECTED
    assert result.hold_reason == HoldReason.AUTO_REPLY
    assert not Conversation.objects.exists()
    raw = RawInbound.objects.get()
    assert raw.status == RawStatus.REJECTED
    assert (raw.hold_reason, raw.from_address) == (HoldReason.AUTO_REPLY, "dora@customer.example")
    assert raw.subject == "Out of office: back on Monday"
    assert raw.message_id == "oof-1@customer.example"
    assert raw.sent_at is not None
    assert len(raw.fingerprint) == 32


def test_a_bounce_for_an_unknown_message_is_held(inbox):
    data = eml(
        "From: MAILER-DAEMON@mx.example.com\r\n"
        f"To: {inbox.email_address}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.com>\r\n",
        "Your message to x@example.com could not be delivered.\r\n"
        "Message-ID: <never-ours@elsewhere.example>\r\n",
    )
    result = ingest(inbox, data)

    assert result.hold_reason == HoldReason.BOUNCE
    assert RawInbound.objects.get().hold_reason == HoldReason.BOUNCE


def test_empty_and_oversized_input_is_held_with_its_reason(inbox, settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "MAX_MESSAGE_BYTES": 2000}
    assert ingest(inbox, b"  \r\n").hold_reason == HoldReason.EMPTY
    big = customer_mail(inbox.email_address, message_id="<big@ex>") + b"x" * 3000
    assert ingest(inbox, big).hold_reason == HoldReason.TOO_LARGE


def test_no_inbox_at_all_is_held(db):
    result = email_ingest(inbox=None, data=customer_mail("nobody@example.com"), source="test")
    assert result.hold_reason == HoldReason.NO_INBOX


# --- duplicates: the same message once, another message under a reused id kept ------------


def test_two_different_notifications_with_one_message_id_are_both_kept_in_one_conversation(
    inbox,
):
    first = ingest(
        inbox, notification(inbox.email_address, subject="Ticket 4711 opened", body="Opened.")
    )
    second = ingest(
        inbox, notification(inbox.email_address, subject="Ticket 4711 solved", body="Solved.")
    )

    assert first.outcome == Outcome.CREATED
    assert second.outcome == Outcome.THREADED
    assert second.conversation.pk == first.conversation.pk
    subjects = list(Message.objects.order_by("pk").values_list("subject", flat=True))
    assert subjects == ["Ticket 4711 opened", "Ticket 4711 solved"]
    assert not RawInbound.objects.exclude(hold_reason="").exists()


def test_two_different_messages_with_one_id_in_one_batch_are_both_kept(inbox):
    results = emails_ingest(
        inbox=inbox,
        emails=[
            (notification(inbox.email_address, subject="Opened", body="Opened."), "a"),
            (notification(inbox.email_address, subject="Solved", body="Solved."), "b"),
            (notification(inbox.email_address, subject="Solved", body="Solved."), "c"),
        ],
        source="test",
    )

    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.THREADED, Outcome.DUPLICATE]
    assert Message.objects.count() == 2
    assert Conversation.objects.count() == 1


def test_the_same_message_delivered_twice_is_kept_once(inbox):
    data = customer_mail(inbox.email_address)
    ingest(inbox, data)
    again = ingest(inbox, data)

    assert again.outcome == Outcome.DUPLICATE
    assert again.hold_reason == HoldReason.DUPLICATE
    assert Message.objects.count() == 1


def test_the_same_message_with_another_received_chain_is_kept_once(inbox):
    ingest(inbox, customer_mail(inbox.email_address, hop="mx1.example"))
    again = ingest(inbox, customer_mail(inbox.email_address, hop="relay7.other.example"))

    assert again.outcome == Outcome.DUPLICATE
    assert Message.objects.count() == 1


def test_a_message_without_id_redelivered_by_another_route_is_kept_once(inbox):
    ingest(inbox, customer_mail(inbox.email_address, hop="mx1.example", message_id=None))
    again = ingest(
        inbox, customer_mail(inbox.email_address, hop="relay7.other.example", message_id=None)
    )

    assert again.outcome == Outcome.DUPLICATE
    message = Message.objects.get()
    assert message.message_id.endswith("@no-message-id.carefront.invalid")
    assert message.message_id.startswith(message.fingerprint)


def test_a_concurrent_copy_is_caught_by_the_unique_constraint(inbox):
    """The copy's reads were taken before the first copy was stored (another process)."""
    from carefront.conversations.services import ReceiveItem, messages_receive
    from carefront.conversations.services.receive import ReceiveReads
    from carefront.inboxes.email.parsing import parse_email

    data = customer_mail(inbox.email_address)
    ingest(inbox, data)
    stale = ReceiveReads(stored={}, customers={}, thread_keys={})
    [result] = messages_receive(
        items=[ReceiveItem(inbox=inbox, inbound=parse_email(data))], reads=stale
    )

    assert result.outcome == Outcome.DUPLICATE
    assert Message.objects.count() == 1


# --- listing, counting, releasing ----------------------------------------------------------


@pytest.fixture
def held(inbox):
    """One of each: an auto-reply, a duplicate, a bounce (oldest first)."""
    ingest(inbox, vacation_reply(inbox.email_address))
    ingest(inbox, customer_mail(inbox.email_address))
    ingest(inbox, customer_mail(inbox.email_address, hop="again.example"))
    ingest(
        inbox,
        eml(
            f"From: postmaster@mx.example.com\r\nTo: {inbox.email_address}\r\n"
            "Subject: Delivery Status Notification (Failure)\r\nMessage-ID: <b2@mx>\r\n",
            "Message-ID: <unknown@x>\r\n",
        ),
    )
    return {r.hold_reason: r for r in RawInbound.objects.exclude(hold_reason="")}


def test_held_mail_is_counted_per_reason(admin, held):
    counts = held_mail_counts(actor=admin)
    assert counts[HoldReason.AUTO_REPLY] == 1
    assert counts[HoldReason.DUPLICATE] == 1
    assert counts[HoldReason.BOUNCE] == 1
    assert counts[HoldReason.EMPTY] == 0


def test_held_mail_lists_newest_first_filters_and_searches(admin, held):
    page = held_mail_list(actor=admin)
    assert [r.hold_reason for r in page.items] == ["bounce", "duplicate", "auto_reply"]
    only = held_mail_list(actor=admin, reason=HoldReason.AUTO_REPLY)
    assert [r.from_address for r in only.items] == ["dora@customer.example"]
    assert [r.pk for r in held_mail_list(actor=admin, query="OUT OF OFFICE").items] == [
        held[HoldReason.AUTO_REPLY].pk
    ]
    assert [r.pk for r in held_mail_list(actor=admin, query="dora@").items] == [
        held[HoldReason.AUTO_REPLY].pk
    ]


def test_held_mail_pages_with_a_cursor_in_constant_queries(admin, held, django_assert_num_queries):
    first = held_mail_list(actor=admin, limit=2)
    assert len(first.items) == 2 and first.next_cursor
    with django_assert_num_queries(1):
        rest = held_mail_list(actor=admin, limit=2, cursor=first.next_cursor)
    assert [r.hold_reason for r in rest.items] == ["auto_reply"]
    assert rest.next_cursor is None


def test_a_bad_cursor_or_reason_is_a_clear_error(admin, held):
    with pytest.raises(InvalidInput):
        held_mail_list(actor=admin, cursor="not-a-cursor")
    with pytest.raises(InvalidInput):
        held_mail_list(actor=admin, reason="spam")


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD])
def test_only_admins_see_or_release_held_mail(role, held):
    actor = AgentFactory(role=role)
    raw = held[HoldReason.AUTO_REPLY]
    for call in (
        lambda: held_mail_list(actor=actor),
        lambda: held_mail_counts(actor=actor),
        lambda: held_mail_get(actor=actor, raw_id=raw.pk),
        lambda: held_mail_release(actor=actor, raw_id=raw.pk),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert not Conversation.objects.filter(subject__startswith="Out of office").exists()


def test_releasing_an_auto_reply_creates_a_conversation_once(admin, held):
    raw = held[HoldReason.AUTO_REPLY]

    first = held_mail_release(actor=admin, raw_id=raw.pk)
    second = held_mail_release(actor=admin, raw_id=raw.pk)

    assert first.created is True
    assert second.created is False
    assert second.message.pk == first.message.pk
    message = Message.objects.get(subject="Out of office: back on Monday")
    assert message.pk == first.message.pk and message.raw_id == raw.pk
    assert message.is_auto_submitted is True
    raw.refresh_from_db()
    assert (raw.status, raw.released_by) == (RawStatus.PROCESSED, admin)
    # Released rows leave the list and the counts.
    assert raw.pk not in [r.pk for r in held_mail_list(actor=admin).items]
    assert held_mail_counts(actor=admin)[HoldReason.AUTO_REPLY] == 0


def test_releasing_a_bounce_shows_it_as_a_message(admin, held):
    result = held_mail_release(actor=admin, raw_id=held[HoldReason.BOUNCE].pk)
    assert result.created is True
    assert result.message.conversation.customer.email == "postmaster@mx.example.com"


def test_releasing_a_copy_returns_the_message_already_shown(admin, held):
    original = Message.objects.get(subject="Where is my order?")

    result = held_mail_release(actor=admin, raw_id=held[HoldReason.DUPLICATE].pk)

    assert result.created is False
    assert result.message.pk == original.pk
    assert Message.objects.filter(subject="Where is my order?").count() == 1


def test_releasing_a_row_kept_as_duplicate_before_fingerprints_stores_it(admin, inbox):
    """A different message that an older version dropped as a duplicate (same Message-ID)."""
    ingest(inbox, notification(inbox.email_address, subject="Opened", body="Opened."))
    raw = RawInbound.objects.create(
        inbox=inbox,
        source="imap",
        data=notification(inbox.email_address, subject="Solved", body="Solved."),
        status=RawStatus.DUPLICATE,
        hold_reason=HoldReason.DUPLICATE,
    )

    result = held_mail_release(actor=admin, raw_id=raw.pk)

    assert result.created is True
    assert result.message.subject == "Solved"
    assert Conversation.objects.count() == 1


def test_an_empty_message_cannot_be_released(admin, inbox):
    ingest(inbox, b"\r\n")
    raw = RawInbound.objects.get()
    with pytest.raises(InvalidInput):
        held_mail_release(actor=admin, raw_id=raw.pk)


def test_a_message_that_is_not_held_cannot_be_released(admin, inbox):
    raw = ingest(inbox, customer_mail(inbox.email_address)).raw
    with pytest.raises(NotFound):
        held_mail_release(actor=admin, raw_id=raw.pk)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="checks SQLite's query planner")
def test_the_held_mail_list_walks_its_partial_indexes(admin, held):
    for kwargs, index in (({}, "raw_held_idx"), ({"reason": "duplicate"}, "raw_held_reason_idx")):
        with CaptureQueriesContext(connection) as queries:
            held_mail_list(actor=admin, **kwargs)
        [sql] = [q["sql"] for q in queries.captured_queries]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert index in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_counts_stop_past_the_cap(admin, inbox, monkeypatch):
    from carefront.inboxes import selectors

    monkeypatch.setattr(selectors, "HELD_COUNT_CAP", 2)
    for n in range(4):
        ingest(inbox, vacation_reply(inbox.email_address).replace(b"oof-1", f"oof-x{n}".encode()))
    with CaptureQueriesContext(connection) as queries:
        counts = held_mail_counts(actor=admin)
    assert counts[HoldReason.AUTO_REPLY] == 3  # the cap + 1: "more than 2"
    assert len(queries) == len(HoldReason.values) - 1  # one bounded query per reason
