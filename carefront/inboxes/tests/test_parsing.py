import base64
import datetime as dt

import pytest

from carefront.inboxes.email.parsing import NO_MESSAGE_ID_DOMAIN, header_decode, parse_email


def mime(headers: str, body: str = "Hello", ctype: str = "text/plain; charset=utf-8") -> bytes:
    base = "From: Ana Lima <ana@example.com>\r\nTo: support@carefront.test\r\n"
    return f"{base}{headers}Content-Type: {ctype}\r\n\r\n{body}".encode()


def test_plain_message_fields():
    msg = parse_email(
        mime(
            "Cc: Bo <bo@example.com>, cy@example.com\r\nSubject: Refund\r\n"
            "Message-ID: <abc@example.com>\r\nDate: Mon, 03 Mar 2025 10:00:00 +0100\r\n"
        )
    )
    assert (msg.from_name, msg.from_address) == ("Ana Lima", "ana@example.com")
    assert msg.to == ["support@carefront.test"]
    assert msg.cc == ["bo@example.com", "cy@example.com"]
    assert msg.subject == "Refund"
    assert msg.message_id == "abc@example.com"
    assert msg.sent_at == dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
    assert msg.body_text == "Hello"
    assert msg.parse_warning == ""


def test_threading_headers_keep_every_id():
    msg = parse_email(
        mime(
            "In-Reply-To: <p1@x.test> <p2@x.test> (from Bob)\r\n"
            "References: <r1@x.test>\r\n <r2@x.test>\r\n"
        )
    )
    assert msg.in_reply_to == ["p1@x.test", "p2@x.test"]
    assert msg.references == ["r1@x.test", "r2@x.test"]


def test_message_without_id_gets_a_stable_one_from_its_bytes():
    data = mime("Subject: no id\r\n")
    first, second = parse_email(data), parse_email(data)
    assert first.message_id == second.message_id
    assert first.message_id.endswith(NO_MESSAGE_ID_DOMAIN)


def test_reply_tokens_found_in_recipients_and_subject():
    msg = parse_email(
        b"From: a@example.com\r\nTo: support+cf-0123456789abcdef@carefront.test\r\n"
        b"Delivered-To: support+cf-fedcba9876543210@carefront.test\r\n"
        b"Subject: Re: Order [cf:00112233445566ff]\r\n\r\nHi"
    )
    assert msg.reply_tokens == ["0123456789abcdef", "fedcba9876543210", "00112233445566ff"]
    assert msg.delivered_to == ["support+cf-fedcba9876543210@carefront.test"]


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("=?utf-8?q?Caf=C3=A9_au_lait?=", "Café au lait"),
        ("=?utf-8?b?w4ludmFsaWQ=?= =?utf-8?b?IGZhY3R1cmU=?=", "Énvalid facture"),
        ("=?iso-8859-1?q?Gr=FC=DFe?= aus Berlin", "Grüße aus Berlin"),
        # One character split across two words: bytes are joined before decoding.
        ("=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", "€"),
        ("=?utf-8?q?broken", "=?utf-8?q?broken"),
        ("=?no-such-charset?q?caf=E9?=", "café"),
        ("=?utf-8?b?!!!notbase64?=", "!!!notbase64"),
    ],
)
def test_encoded_words_decode_or_degrade(raw, decoded):
    assert header_decode(raw) == decoded


def test_raw_8bit_headers_in_utf8_and_latin1():
    data = b"From: J\xc3\xbcrgen <j@example.com>\r\nSubject: Gr\xfc\xdfe\r\n\r\nHi"
    msg = parse_email(data)
    assert msg.from_name == "Jürgen"
    assert msg.subject == "Grüße"


def test_declared_charset_is_used():
    body = "Grüße".encode("iso-8859-2")
    msg = parse_email(mime("", "", "text/plain; charset=iso-8859-2") + body)
    assert msg.body_text == "Grüße"


def test_wrong_charset_falls_back_to_utf8_then_cp1252():
    utf8 = parse_email(mime("", "", "text/plain; charset=us-ascii") + "naïve €".encode())
    assert utf8.body_text == "naïve €"
    cp1252 = parse_email(mime("", "", "text/plain; charset=utf-8") + "naïve €".encode("cp1252"))
    assert cp1252.body_text == "naïve €"
    assert cp1252.parse_warning


def test_undeclared_8bit_body_is_decoded():
    msg = parse_email(b"From: a@example.com\r\nSubject: x\r\n\r\nCaf\xe9 cr\xe8me")
    assert msg.body_text == "Café crème"


def test_html_only_message_gets_sanitised_html_and_derived_text():
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        '<p onclick="x()">Hello <b>there</b></p><a href="javascript:alert(1)">bad</a>'
        '<a href="https://example.com/x">good</a><img src="https://tracker.test/p.gif">'
        '<img src="cid:logo@x"><blockquote>old text</blockquote></body></html>'
    )
    msg = parse_email(mime("Subject: h\r\n", html, "text/html; charset=utf-8"))
    assert "<script" not in msg.body_html and "alert" not in msg.body_html
    assert "color:red" not in msg.body_html and "onclick" not in msg.body_html
    assert "javascript:" not in msg.body_html
    assert '<a href="https://example.com/x" rel="noopener noreferrer">good</a>' in msg.body_html
    assert "tracker.test" not in msg.body_html
    assert '<img src="cid:logo@x">' in msg.body_html
    assert msg.body_text.startswith("Hello there")
    assert "> old text" in msg.body_text
    assert msg.reply_text.startswith("Hello there")
    # A blockquote with no attribution above it may be the customer's own citation: shown
    # (issue 15; test_quote_headers.py has the folded case).
    assert "old text" in msg.reply_text


def test_alternative_keeps_both_versions():
    data = (
        b"From: a@example.com\r\nSubject: alt\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain version\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html version</p>\r\n--b--\r\n"
    )
    msg = parse_email(data)
    assert msg.body_text.strip() == "plain version"
    assert msg.body_html == "<p>html version</p>"
    assert msg.attachments == []


def _attachment_message(disposition: str, ctype: str = "application/pdf", cid: str = "") -> bytes:
    payload = base64.b64encode(b"%PDF-1.4 data").decode()
    cid_header = f"Content-ID: <{cid}>\r\n" if cid else ""
    return (
        "From: a@example.com\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        f"--b\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n{cid_header}"
        f"Content-Disposition: {disposition}\r\n\r\n{payload}\r\n--b--\r\n"
    ).encode()


def test_attachment_with_rfc2231_filename():
    msg = parse_email(_attachment_message("attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf"))
    [attachment] = msg.attachments
    assert attachment.filename == "Rechnung März.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.data == b"%PDF-1.4 data"
    assert attachment.is_inline is False


def test_attachment_with_encoded_word_filename_and_path_stripped():
    disposition = 'attachment; filename="=?utf-8?q?C:\\\\tmp\\\\Caf=C3=A9.pdf?="'
    [attachment] = parse_email(_attachment_message(disposition)).attachments
    assert attachment.filename == "Café.pdf"


def test_inline_image_keeps_content_id():
    msg = parse_email(_attachment_message("inline", "image/png", cid="logo@x"))
    [attachment] = msg.attachments
    assert attachment.is_inline is True
    assert attachment.content_id == "logo@x"


def test_embedded_message_is_kept_as_eml_attachment():
    data = (
        b"From: a@example.com\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: x@example.com\r\nSubject: Original\r\n\r\noriginal body\r\n--b--\r\n"
    )
    msg = parse_email(data)
    [attachment] = msg.attachments
    assert attachment.filename == "Original.eml"
    assert b"original body" in attachment.data
    assert msg.body_text.strip() == "see below"


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "X-Autoreply: yes",
        "X-Autorespond: yes",
        "Precedence: auto_reply",
        "Subject: Out of Office: back Monday",
        "Subject: Automatische Antwort: Ihre Anfrage",
    ],
)
def test_auto_replies_are_flagged(header):
    inbound = parse_email(mime(header + "\r\n"))
    assert inbound.is_auto_submitted is True
    assert inbound.is_bulk is False


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: no",
        "Precedence: list",
        "Precedence: bulk",
        "Precedence: junk",
        "List-Id: <support.lists.example.com>",
        "List-Unsubscribe: <mailto:leave@lists.example.com>",
        "List-Post: <mailto:support@lists.example.com>",
        "X-Auto-Response-Suppress: All",
        "X-Auto-Response-Suppress: DR, OOF, AutoReply",
        "",
    ],
)
def test_people_and_list_mail_are_not_auto_replies(header):
    assert parse_email(mime(header + "\r\n" if header else "")).is_auto_submitted is False


@pytest.mark.parametrize(
    "header",
    [
        "Precedence: list",
        "Precedence: bulk",
        "Precedence: junk",
        "List-Id: <support.lists.example.com>",
        "List-Unsubscribe: <mailto:leave@lists.example.com>",
        "List-Post: <mailto:support@lists.example.com>",
        "X-Auto-Response-Suppress: All",
    ],
)
def test_list_and_bulk_mail_is_flagged_bulk(header):
    assert parse_email(mime(header + "\r\n")).is_bulk is True


@pytest.mark.parametrize("header", ["Auto-Submitted: no", "Precedence: first-class", ""])
def test_ordinary_mail_is_not_bulk(header):
    assert parse_email(mime(header + "\r\n" if header else "")).is_bulk is False


def test_delivery_status_report_is_a_bounce_with_ids_and_reason():
    data = (
        b"From: MAILER-DAEMON@mx.example.com\r\nTo: support@carefront.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: user unknown\r\n"
        b"--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: <ours.1@carefront.test>\r\nSubject: Your ticket\r\n--b--\r\n"
    )
    msg = parse_email(data)
    assert msg.is_bounce and msg.is_auto_submitted
    assert msg.bounced_message_ids == ["ours.1@carefront.test"]
    assert "550 5.1.1" in msg.bounce_reason and "user unknown" in msg.bounce_reason


def test_plain_text_bounce_from_mailer_daemon():
    data = (
        b"From: MAILER-DAEMON@mx.example.com\r\nSubject: failure notice\r\n\r\n"
        b"Sorry, I couldn't deliver.\r\n550 5.1.1 mailbox unavailable\r\n"
        b"--- Below this line is a copy of the message.\r\n\r\n"
        b"Message-ID: <ours.2@carefront.test>\r\n"
    )
    msg = parse_email(data)
    assert msg.is_bounce
    assert msg.bounced_message_ids == ["ours.2@carefront.test"]
    assert msg.bounce_reason == "550 5.1.1 mailbox unavailable"


def test_read_receipt_is_auto_submitted_not_bounce():
    msg = parse_email(
        mime("", "read", 'multipart/report; report-type=disposition-notification; boundary="b"')
    )
    assert msg.is_auto_submitted and not msg.is_bounce


def test_reply_text_is_filled_from_the_extractor():
    msg = parse_email(mime("", "New text\r\n\r\nOn Mon, A <a@x.test> wrote:\r\n> old\r\n"))
    assert msg.reply_text == "New text"
    assert "> old" in msg.body_text


@pytest.mark.parametrize(
    "value",
    [
        "a@b.example",
        "<a@b.example>",
        "John Smith <j@x.example>",
        '"Smith, John" <j@x.example>',
        "J.  Smith <j@x.example>",
        "  Ana   <ana@x.example>  ",
        '"" <a@b.example>',
        "Jürgen <j@x.example>",
        # Not simple: these go to the stdlib parser.
        "x@y.example (Comment)",
        "a@b.example, c@d.example",
        '"Q\\"x" <a@b.example>',
        "undisclosed-recipients:;",
        "",
        "Name <a@[192.0.2.1]>",
        "weird <<a@b.example>>",
    ],
)
def test_the_mailbox_fast_path_reads_headers_as_the_stdlib_does(value):
    from email.utils import getaddresses

    from carefront.inboxes.email.parsing import _parse_mailboxes

    assert _parse_mailboxes([value]) == getaddresses([value])
