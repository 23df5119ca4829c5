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


THREADS = {
    "polymail_scattered": (
        "Test reply\n\nOn Tue, Apr 11, 2017 at 10:07 PM John Smith\n\n<\n"
        "mailto:John Smith <johnsmith@example.com>\n> wrote:\nTest quoted data\n",
        "Test reply",
    ),
    "address_broken_after_angle": (
        "Test reply\n\n2014-10-17 11:28 GMT+03:00 Postmaster <\n"
        "postmaster@sandbox.example.org>:\n\n> First from site\n>\n",
        "Test reply",
    ),
    "on_date_sent": (
        "Test reply\n\nOn 11-Apr-2011, at 6:54 PM, Roman <roman@example.com> sent:\n\n> Test\n",
        "Test reply",
    ),
    "year_first_date_without_colon": (
        "Replying ok\n2011/4/7 Nathan Ivanova <support@example.com>\n\n>  Cool beans\n",
        "Replying ok",
    ),
    "date_and_to_only": (
        "Blah\n\nDate: Wed, 16 May 2012 00:15:02 -0600\nTo: someone@example.com\n\nOld text\n",
        "Blah",
    ),
    "reply_sharing_line_without_punctuation": (
        "reply On Wed, Apr 4, 2012 at 3:59 PM, bob@example.com wrote:\n> Hi\n",
        "reply",
    ),
    "reply_sharing_line_with_dashes": (
        "reply\nbla-bla - bla--- On Wed, Apr 4, 2012 at 3:59 PM, me@example.com wrote:\n> Hi\n",
        "reply\nbla-bla - bla",
    ),
    "french_outlook_space_before_colon": (
        "Lorem ipsum\n\nDe : Brendan X [mailto:brendan@example.com]\n"
        "Envoyé : vendredi 23 janvier 2015 16:39\nÀ : Camille\nObjet : Follow Up\n\nBlah\n",
        "Lorem ipsum",
    ),
    "bold_outlook_block_with_wrapped_from": (
        "Hi\n\n  *From:* bob@example.com [mailto:\n  bob@example.com]\n"
        "  *Sent:* Wednesday, June 27, 2012 3:05 PM\n  *To:* travis@example.com\n"
        "  *Subject:* Hello\n\nOld\n",
        "Hi",
    ),
    "date_then_bare_address": (
        "Thanks\n\nMon, 2 Apr 2012 17:44:22 bob@example.com:\n> Hi\n",
        "Thanks",
    ),
    "dutch_verzond": (
        "Dank\n\nOp 17-02-2015 13:18 verzond Julius <julius@example.com>:\n\nOud bericht\n",
        "Dank",
    ),
    "samsung_name_glued_to_sent_from": (
        "Test reply\n\nSent from Samsung MobileName <address@example.com> wrote:\n\n> Test\n",
        "Test reply",
    ),
}


@pytest.mark.parametrize(("text", "expected"), THREADS.values(), ids=THREADS.keys())
def test_client_specific_thread_headers(text, expected):
    assert extract_reply(text).reply == expected


NOT_HEADERS = {
    "a_line_starting_with_on": "Blah-blah-blah\nOn blah-blah-blah",
    "customer_quotes_a_sentence": "You wrote in the manual:\n> Restart takes 2 minutes.\n"
    "It takes twenty. Why?",
    "feedback_banner": "Please enter your feedback below.\n\n----- Enter Feedback Below -----\n\n"
    "The experience was great.",
    "what_i_sent": "Here is what I sent:\nthe invoice and the receipt.",
    "phone_and_address": "Call 555 0100 on 3 May 2024 or mail help@example.com:\nI am home.",
}


@pytest.mark.parametrize("text", NOT_HEADERS.values(), ids=NOT_HEADERS.keys())
def test_ordinary_lines_hide_nothing(text):
    assert extract_reply(text).reply == text


def test_double_dash_signature_without_blank_line_and_no_trailing_space():
    result = extract_reply("Thanks!\n--\nAnn Example\n+1 555 0100\n")
    assert result.reply == "Thanks!"
    assert "Ann Example" in result.signature


def test_double_dash_inside_long_text_is_not_a_signature():
    text = "Steps:\n--\n" + "\n".join(f"step {n} of the procedure I followed" for n in range(12))
    assert extract_reply(text).reply == text


def test_html_blockquote_above_the_attribution_stays_in_the_reply():
    msg = parse_email(
        _html_mail(
            "Reply<blockquote>Regular</blockquote>"
            "<div>On 11-Apr-2011, at 6:54 PM, Bob &lt;bob@example.com&gt; wrote:</div>"
            "<blockquote><div><blockquote>Nested</blockquote></div></blockquote>"
        )
    )
    assert "Reply" in msg.reply_text
    assert "Regular" in msg.reply_text
    assert "Nested" not in msg.reply_text


def test_html_reply_wrapped_in_a_blockquote_with_the_attribution_inside():
    msg = parse_email(
        _html_mail(
            "<blockquote>Reply<div>On 11-Apr-2011, at 6:54 PM, Bob &lt;bob@example.com&gt; "
            "wrote:</div><div>Test</div></blockquote>"
        )
    )
    assert msg.reply_text == "Reply"
