# ruff: noqa: RUF001 - Cyrillic mail headers are meant
"""Quote folding across clients and languages (issue 15, class 7): fold what is quoted, never
hide new words. Each thread header below is written the way the named client writes it."""

import pytest

from carefront.inboxes.email.parsing import parse_email
from carefront.inboxes.email.quotes import extract_reply

REPLY = "Thanks, that fixed it.\nOne more question about the invoice."
QUOTED = "> Please restart the router.\n> Support"
UNQUOTED = "Please restart the router.\n\nSupport team"

HEADERS = {
    "polymail": "On Tue, Oct 14, 2014 at 1:21 PM Support <support@example.com> wrote:",
    "iso_date_gmt_offset": "2014-10-17 11:28 GMT+03:00 Support Team <support@example.com>:",
    "android_wrote_dashes": "---- Support Team wrote ----",
    "on_wrote_dashes": "------On Fri, Oct 17, 2014 at 11:28 AM, Support wrote-----",
    "reply_message": "-----Reply Message-----",
    "german_antwort_nachricht": "-----Antwort Nachricht-----",
    "dutch": "Op 17 okt. 2014 om 11:28 heeft Support <support@example.com> het volgende "
    "geschreven:",
    "vietnamese": "Vào 11:28 Ngày 17 tháng 10 năm 2014, Support <support@example.com> đã viết:",
    "outlook_one_line": "From: Support [mailto:support@example.com] Sent: Friday, October 17, "
    "2014 11:28 AM To: Ann Subject: Router",
    "outlook_from_date_one_line": "From: Support <support@example.com> Date: Fri, 17 Oct 2014 "
    "11:28",
}

BLOCKS = {
    "lone_sent_block": "Sent: Friday, October 17, 2014 11:28 AM\nTo: Ann\nSubject: Router",
    "date_block": "Date: Fri, 17 Oct 2014 11:28:00 +0300\nFrom: Support <support@example.com>\n"
    "To: Ann <ann@example.com>\nSubject: Router",
    "russian_outlook": "От: Support [mailto:support@example.com]\nОтправлено: 17 октября 2014 "
    "г. 11:28\nКому: Ann\nТема: Router",
    "lowercase_sent": "sent: Friday, October 17, 2014 11:28 AM\nto: Ann\nsubject: Router",
}


@pytest.mark.parametrize("header", HEADERS.values(), ids=HEADERS.keys())
@pytest.mark.parametrize("quoted", [QUOTED, UNQUOTED], ids=["quoted", "unquoted"])
def test_one_line_thread_headers_fold_the_thread(header, quoted):
    result = extract_reply(f"{REPLY}\n\n{header}\n{quoted}\n")
    assert result.reply == REPLY
    assert "restart the router" in result.quoted


@pytest.mark.parametrize("block", BLOCKS.values(), ids=BLOCKS.keys())
def test_header_blocks_fold_the_thread(block):
    result = extract_reply(f"{REPLY}\n\n{block}\n\n{UNQUOTED}\n")
    assert result.reply == REPLY
    assert "restart the router" in result.quoted


def test_attribution_on_the_same_line_as_the_reply_keeps_the_reply():
    text = "Yes please do. On Fri, Oct 17, 2014 at 11:28 AM, Support <s@example.com> wrote:\n"
    result = extract_reply(text + QUOTED)
    assert result.reply == "Yes please do."
    assert result.quoted.startswith("On Fri")


def test_signature_after_dashes_without_a_blank_line():
    result = extract_reply("Works now.\n-- \nAnn Example\nACME Corp\n")
    assert result.reply == "Works now."
    assert result.signature.startswith("-- ")


def test_a_message_wholly_quoted_is_not_an_empty_reply():
    result = extract_reply("> I never got the parcel.\n> Order 1234.\n")
    assert "I never got the parcel." in result.reply


def _html_mail(html: str) -> bytes:
    return (
        b"From: ann@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html.encode()
    )


def test_html_blockquote_without_attribution_stays_visible():
    msg = parse_email(
        _html_mail(
            "<p>You wrote in the manual:</p><blockquote>Restart takes 2 minutes.</blockquote>"
            "<p>It takes twenty. Why?</p><blockquote>Contact us any time.</blockquote>"
        )
    )
    assert "It takes twenty" in msg.reply_text
    assert "Contact us any time." in msg.reply_text


def test_html_message_wholly_in_a_blockquote_gives_its_words():
    msg = parse_email(_html_mail("<blockquote><p>My order never came.</p></blockquote>"))
    assert "My order never came." in msg.reply_text


def test_html_blockquote_after_an_attribution_is_still_folded():
    msg = parse_email(
        _html_mail(
            "<p>Fixed, thanks.</p><p>On Mon, 3 Mar 2025, Support &lt;s@example.com&gt; wrote:</p>"
            "<blockquote>Please restart.</blockquote>"
        )
    )
    assert msg.reply_text == "Fixed, thanks."
