"""Parsing fidelity on mail as real clients and broken mailers send it (issue 15, classes 1-5).

Each fixture is written from the RFCs and from what the named client sends.
"""

from carefront.inboxes.email.parsing import parse_email

# --- 1. every text part, in order ------------------------------------------------------------

MIXED_IN_ALTERNATIVE = b"""From: Ann <ann@example.com>\r
To: support@example.com\r
Subject: two html parts\r
MIME-Version: 1.0\r
Content-Type: multipart/alternative; boundary="alt"\r
\r
--alt\r
Content-Type: text/plain; charset=utf-8\r
\r
My reply first. Then the rest.\r
--alt\r
Content-Type: multipart/mixed; boundary="mix"\r
\r
--mix\r
Content-Type: text/html; charset=utf-8\r
\r
<p>My reply first.</p>\r
--mix\r
Content-Type: image/png; name="a.png"\r
Content-Disposition: inline; filename="a.png"\r
Content-Transfer-Encoding: base64\r
\r
iVBORw0KGgo=\r
--mix\r
Content-Type: text/html; charset=utf-8\r
\r
<p>Then the rest.</p>\r
--mix--\r
--alt--\r
"""


def test_two_html_parts_inside_an_alternative_are_both_kept_in_order():
    msg = parse_email(MIXED_IN_ALTERNATIVE)
    assert msg.body_text.strip() == "My reply first. Then the rest."
    first = msg.body_html.index("My reply first.")
    assert msg.body_html.index("Then the rest.") > first
    assert [a.filename for a in msg.attachments] == ["a.png"]


ALTERNATIVE_IN_MIXED = b"""From: Ann <ann@example.com>\r
Subject: reverse\r
Content-Type: multipart/mixed; boundary="mix"\r
\r
--mix\r
Content-Type: multipart/alternative; boundary="alt"\r
\r
--alt\r
Content-Type: text/plain\r
\r
Part one plain.\r
--alt\r
Content-Type: text/html\r
\r
<p>Part one <b>html</b>.</p>\r
--alt--\r
--mix\r
Content-Type: text/html\r
\r
<p>Part two, only in HTML.</p>\r
--mix\r
Content-Type: text/html\r
\r
<p>Part three, only in HTML.</p>\r
--mix--\r
"""


def test_html_parts_after_an_alternative_reach_text_and_html_in_order():
    msg = parse_email(ALTERNATIVE_IN_MIXED)
    text = msg.body_text
    assert text.index("Part one plain.") < text.index("Part two") < text.index("Part three")
    assert "Part one <b>html</b>" in msg.body_html
    assert msg.body_html.index("Part two") < msg.body_html.index("Part three")


def test_a_real_alternative_still_keeps_one_version_of_each_kind():
    msg = parse_email(
        b"From: a@example.com\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nSame words.\r\n"
        b"--b\r\nContent-Type: text/html\r\n\r\n<p>Same words.</p>\r\n--b--\r\n"
    )
    assert msg.body_text.strip() == "Same words."
    assert msg.body_html.count("Same words.") == 1


# --- 2. header continuation without whitespace ---------------------------------------------


def test_unindented_continuation_keeps_the_rest_of_the_header_block():
    data = (
        b"From: Filter Appliance <filter@example.com>\r\n"
        b"X-Scan-Result: clean\r\n"
        b"report follows on next line\r\n"
        b"Subject: Invoice question\r\n"
        b"To: Support <support@example.com>\r\n"
        b"\r\n"
        b"Where is my invoice?\r\n"
    )
    msg = parse_email(data)
    assert msg.subject == "Invoice question"
    assert msg.to == ["support@example.com"]
    assert msg.from_name == "Filter Appliance"
    assert msg.body_text.strip() == "Where is my invoice?"
    assert "header lines" in msg.parse_warning


def test_well_formed_mail_has_no_repair_warning():
    msg = parse_email(b"From: a@example.com\r\nSubject: ok\r\n\r\nBody: text\r\n")
    assert msg.parse_warning == ""
    assert msg.body_text.strip() == "Body: text"


# --- 3. sender identity ---------------------------------------------------------------------


def test_encoded_display_name_with_a_comma():
    msg = parse_email(
        b"From: =?iso-8859-1?Q?B=FCrling,=20Andreas?= <andreas@example.com>\r\n\r\nHi"
    )
    assert msg.from_address == "andreas@example.com"
    assert msg.from_name == "Bürling, Andreas"


def test_two_from_headers_take_the_one_with_an_address_not_reply_to():
    msg = parse_email(
        b"From: Web Shop\r\nFrom: Carla <carla@example.com>\r\n"
        b"Reply-To: other@example.org\r\n\r\nHi"
    )
    assert msg.from_address == "carla@example.com"
    assert msg.reply_to == ["other@example.org"]


def test_from_with_two_mailboxes_first_without_address():
    msg = parse_email(b'From: "Team", Dan <dan@example.com>\r\nReply-To: x@example.org\r\n\r\nHi')
    assert msg.from_address == "dan@example.com"
    assert msg.from_name == "Dan"


def test_reply_to_is_parsed_with_its_name():
    msg = parse_email(
        b"From: Website <noreply@shop.example>\r\n"
        b"Reply-To: =?utf-8?Q?J=C3=BCrg_Meier?= <jurg@example.com>\r\n\r\nHi"
    )
    assert msg.reply_to == ["jurg@example.com"]
    assert msg.reply_to_name == "Jürg Meier"


# --- 4. charsets ----------------------------------------------------------------------------


def test_raw_gb2312_subject_and_name_are_not_mojibake():
    data = (
        b"From: " + "王小明".encode("gb2312") + b" <wang@example.cn>\r\n"
        b"Subject: " + "关于订单的问题".encode("gb2312") + b"\r\n\r\nHi"
    )
    msg = parse_email(data)
    assert msg.from_name == "王小明"
    assert msg.subject == "关于订单的问题"
    assert "guessed" in msg.parse_warning


def test_raw_shift_jis_subject_uses_the_declared_body_charset_first():
    data = (
        b"From: " + "山田太郎".encode("shift_jis") + b" <taro@example.jp>\r\n"
        b"Subject: " + "お問い合わせ".encode("shift_jis") + b"\r\n"
        b"Content-Type: text/plain; charset=Shift_JIS\r\n\r\n" + "本文です".encode("shift_jis")
    )
    msg = parse_email(data)
    assert msg.from_name == "山田太郎"
    assert msg.subject == "お問い合わせ"
    assert msg.body_text == "本文です"
    assert msg.parse_warning == ""


def test_raw_shift_jis_subject_without_any_declaration_is_guessed():
    data = b"From: x@example.jp\r\nSubject: " + "山田太郎".encode("shift_jis") + b"\r\n\r\nHi"
    assert parse_email(data).subject == "山田太郎"


def test_latin1_words_are_still_read_as_western():
    data = b"From: x@example.com\r\nSubject: Gr\xfc\xdfe, R\xe9ponse \xe0 vous\r\n\r\nHi"
    assert parse_email(data).subject == "Grüße, Réponse à vous"


def test_iso_2022_jp_with_nec_circled_digits():
    text = "① 確認お願いします ㈱"
    # Python cannot encode ① in ISO-2022-JP: CP50220 bytes by hand (NEC row 13 of JIS X 0208).
    body = b"\x1b$B-!\x1b(B " + "確認お願いします".encode("iso2022_jp") + b" \x1b$B-j\x1b(B"
    data = b"From: x@example.jp\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n" + body
    msg = parse_email(data)
    assert msg.body_text == text
    assert "\x1b" not in msg.body_text


def test_encoded_word_with_literal_spaces_is_decoded():
    msg = parse_email(b"From: x@example.com\r\nSubject: =?us-ascii?Q?ABC / 123?=\r\n\r\nHi")
    assert msg.subject == "ABC / 123"


def test_raw_8bit_attachment_filename():
    data = (
        b"From: x@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nSee file\r\n"
        b'--b\r\nContent-Type: application/pdf; name="Pr\xfcfung.pdf"\r\n'
        b'Content-Disposition: attachment; filename="Pr\xfcfung.pdf"\r\n\r\n%PDF\r\n--b--\r\n'
    )
    assert [a.filename for a in parse_email(data).attachments] == ["Prüfung.pdf"]


def test_undeclared_long_body_in_gbk_is_detected():
    text = "您好，我上周在你们网站订购的商品到现在还没有收到，请帮我查一下物流信息。谢谢！" * 2  # noqa: RUF001
    data = b"From: x@example.cn\r\nSubject: order\r\n\r\n" + text.encode("gbk")
    msg = parse_email(data)
    assert msg.body_text == text
    assert "gb" in msg.parse_warning.lower()


# --- 5. odd structures ----------------------------------------------------------------------


def test_forwarded_banner_before_the_headers():
    data = (
        b"---------- Forwarded message ---------\r\n"
        b"From: Eve <eve@example.com>\r\n"
        b"Subject: Broken screen\r\n"
        b"Date: Mon, 3 Mar 2025 10:00:00 +0000\r\n"
        b"\r\n"
        b"My screen is broken.\r\n"
    )
    msg = parse_email(data)
    assert msg.from_address == "eve@example.com"
    assert msg.subject == "Broken screen"
    assert msg.body_text.strip() == "My screen is broken."
    assert "forwarding banner" in msg.parse_warning


UU_LINES = b"H5&AI<R!I<R!T:&4@9FEL92!C;VYT96YT<R!F;W(@=&AE('1E<W0N\"@``\r\n`\r\n"


def _uu_mail(encoded: bytes) -> bytes:
    return (
        b"From: x@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nfile attached\r\n"
        b'--b\r\nContent-Type: application/octet-stream; name="notes.txt"\r\n'
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\n" + encoded + b"--b--\r\n"
    )


def test_uuencoded_part_without_begin_line_is_decoded():
    attachment = parse_email(_uu_mail(UU_LINES)).attachments[0]
    assert attachment.data.startswith(b"This is the file contents for the test.")


def test_uuencoded_part_with_begin_line_is_decoded():
    attachment = parse_email(_uu_mail(b"begin 644 notes.txt\r\n" + UU_LINES + b"end\r\n"))
    assert attachment.attachments[0].data.startswith(b"This is the file contents")


def test_raw_gbk_name_is_not_read_as_the_latin_body_charset():
    data = (
        b"From: " + "王小明".encode("gbk") + b" <wang@example.cn>\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nHello"
    )
    assert parse_email(data).from_name == "王小明"
