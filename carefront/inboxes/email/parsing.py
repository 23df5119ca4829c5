"""Turn the raw bytes of an email into an `InboundMessage`, keeping everything and never crashing.

The stdlib parser with the `compat32` policy is used on purpose: it is several times faster than
`policy.default` (whose header objects are rebuilt on every access), and it is lenient with broken
input. Header and body decoding is done here, by hand, so that undeclared or wrong charsets and
malformed encoded words degrade to a readable best effort instead of an exception.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import datetime as dt
import re
from contextvars import ContextVar
from email import errors as email_errors
from email import message_from_bytes
from email.message import Message as EmailMessage
from email.policy import compat32
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html import escape

import charset_normalizer
from django.utils.translation import gettext as _

from carefront.conversations.inbound import (
    InboundAttachment,
    InboundMessage,
    message_fingerprint,
    normalize_message_id,
)
from carefront.conversations.reply_tokens import find_tokens

from .html import html_sanitize, html_to_text
from .quotes import extract_reply

CHANNEL = "email"
# Used in a Message-ID we make up (from the fingerprint) when a message has none, so that
# importing the same mail twice, even with another Received chain, is still a duplicate.
NO_MESSAGE_ID_DOMAIN = "no-message-id.carefront.invalid"

# Broken mailers put literal spaces inside Q words ("=?us-ascii?Q?ABC / 123?="): accepted.
_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\r\n]*?)\?=")
_ENCODED_RUN_RE = re.compile(
    r"=\?[^?\s]+\?[QqBb]\?[^?\r\n]*?\?=(?:[ \t]*=\?[^?\s]+\?[QqBb]\?[^?\r\n]*?\?=)*"
)
_BETWEEN_ENCODED_WORDS_RE = re.compile(r"(\?=)[ \t\r\n]+(=\?)")
_ANGLE_ID_RE = re.compile(r"<([^<>\s]+)>")
_Q_HEX_RE = re.compile(rb"=([0-9A-Fa-f]{2})")
_FOLD_RE = re.compile(r"\r?\n[ \t]*")

# Charsets that mail clients declare but mean something bigger (what browsers do, too).
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "ascii",
    "iso-8859-9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "iso-2022-jp": "iso2022_jp_ext",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "x-user-defined": "",
    "default": "",
}

_LATIN_CHARSETS = {"ascii", "cp1252", "latin-1", "iso8859-15", "iso8859-1"}

# Outlook/Exchange subjects and the like that mean "nobody wrote this".
_AUTO_REPLY_SUBJECT_RE = re.compile(
    r"^\s*(?:"
    r"out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response)|"
    r"autoreply|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|"
    r"absence du bureau|respuesta autom[áa]tica|fuera de la oficina|risposta automatica|"
    r"fuori sede|afwezigheidsbericht|automatisch antwoord|automatiskt svar|"
    r"autosvar|automatyczna odpowied[źz]|resposta autom[áa]tica|out of office reply"
    r")",
    re.IGNORECASE,
)
_BOUNCE_SENDER_RE = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)
_BOUNCE_SUBJECT_RE = re.compile(
    r"undeliver|delivery (?:status notification|failure|has failed)|returned mail|"
    r"failure notice|mail delivery (?:failed|failure|system)|could not be delivered|"
    r"non[- ]?delivery|unzustellbar|nicht zustellbar",
    re.IGNORECASE,
)
_BODY_MESSAGE_ID_RE = re.compile(r"^Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_DIAGNOSTIC_RE = re.compile(r"^\s*\d{3}[ -]\d\.\d+\.\d+.*$", re.MULTILINE)

# Structural defects worth telling the agent about: the message may not look as intended.
_SERIOUS_DEFECTS = {
    email_errors.NoBoundaryInMultipartDefect: (
        "The message claims to have several parts but names no boundary; shown as one text."
    ),
    email_errors.StartBoundaryNotFoundDefect: (
        "The message's parts could not be found; shown as one text."
    ),
    email_errors.CloseBoundaryNotFoundDefect: "The message seems to be cut off (truncated).",
    email_errors.MultipartInvariantViolationDefect: "The message's structure is inconsistent.",
    email_errors.InvalidBase64CharactersDefect: "An encoded part contained invalid characters.",
    email_errors.InvalidBase64PaddingDefect: "An encoded part was damaged (bad padding).",
    email_errors.InvalidBase64LengthDefect: "An encoded part was damaged (truncated).",
}

_MAX_HEADER_IDS = 100  # a References header with thousands of ids is not worth indexing all


def parse_email(data: bytes) -> InboundMessage:
    """Parse raw RFC 5322 bytes. Never raises on bad input: problems go to `parse_warning`."""
    guesses: list[str] = []
    token = _GUESSES.set(guesses)
    try:
        return _parse_email(data, guesses)
    finally:
        _GUESSES.reset(token)


def _parse_email(data: bytes, guesses: list[str]) -> InboundMessage:
    msg = message_from_bytes(data, policy=compat32)
    warnings: list[str] = []
    if any(isinstance(d, email_errors.MissingHeaderBodySeparatorDefect) for d in msg.defects):
        # Only broken header blocks pay for the repair: the common path parses once.
        repaired = _repair_header_block(data)
        if repaired is not None:
            data_fixed, note = repaired
            msg = message_from_bytes(data_fixed, policy=compat32)
            warnings.append(note)
    headers = _Headers(msg)

    body = _Body()
    _walk(msg, body, depth=0)
    # Raw 8-bit header text is read in the charset the message declares for its text, if any.
    hint = body.declared_charset
    from_name, from_address = _sender(headers, hint)
    reply_to_name, reply_to = _mailbox_list(headers.get_all("reply-to"), hint)
    to = _addresses(headers, "to", hint)
    cc = _addresses(headers, "cc", hint)
    delivered_to = _addresses(headers, "delivered-to", hint) + _addresses(
        headers, "x-original-to", hint
    )
    subject = _clean(header_decode(headers.get("subject"), hint=hint))
    message_id = _first_id(headers.get("message-id"))

    body_text, body_html = body.render()
    from_html = body_text is None and bool(body_html)
    if body_html:
        body_html = html_sanitize(body_html)
        if body_text is None:
            body_text = html_to_text(body_html)
    body_text = _clean(body_text or "")
    body_html = _clean(body_html)

    for defect in _all_defects(msg):
        text = _SERIOUS_DEFECTS.get(type(defect))
        if text and _(text) not in warnings:
            warnings.append(_(text))
    if not headers.values:
        warnings.append(_("No email headers were found; the content is shown as raw text."))
    if body.charset_guessed and not guesses:
        warnings.append(_("The text's character set was missing or wrong; it was guessed."))
    if guesses:
        warnings.append(
            _("Text without a usable character set was read as %(charsets)s (guessed).")
            % {"charsets": ", ".join(dict.fromkeys(guesses))}
        )

    inbound = InboundMessage(
        channel=CHANNEL,
        from_address=from_address,
        from_name=from_name,
        reply_to=reply_to,
        reply_to_name=reply_to_name,
        to=to,
        cc=cc,
        delivered_to=delivered_to,
        subject=subject,
        message_id=message_id,
        in_reply_to=_ids(headers.get_all("in-reply-to")),
        references=_ids(headers.get_all("references"))[-_MAX_HEADER_IDS:],
        body_text=body_text,
        body_html=body_html,
        reply_text=_clean(extract_reply(body_text, from_html=from_html).reply) if body_text else "",
        sent_at=_date(headers.get("date")),
        attachments=body.attachments,
        reply_tokens=find_tokens(addresses=[*to, *cc, *delivered_to], subject=subject),
        parse_warning="\n".join(warnings),
    )
    _classify(msg, headers, inbound, body)
    _fingerprint(inbound)
    return inbound


# --- broken header blocks ------------------------------------------------------------------

# A header field's name: printable ASCII but the colon (RFC 5322 2.2), optional space before ":".
_FIELD_LINE_RE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_MAX_BANNER_LINES = 3  # "---------- Forwarded message ---------" and the like, before headers
_MAX_STRAY_LINES = 3  # non-header lines in a row still taken as a broken continuation


def _repair_header_block(data: bytes) -> tuple[bytes, str] | None:
    """Rebuild a header block the stdlib cut short, as mail clients read it.

    A line inside the header block that does not start with whitespace and is not
    `Name: value` (a continuation a filtering appliance failed to indent) is a continuation of
    the header above; a banner before the first header ("Forwarded message") is dropped. Lines
    after the last header are the body. Returns the repaired bytes and a note, or None.
    """
    match = re.search(rb"\r?\n\r?\n", data)
    head, rest = (data[: match.start()], data[match.start() :]) if match else (data, b"")
    lines = head.split(b"\n")
    is_field = [bool(_FIELD_LINE_RE.match(line)) for line in lines]
    start = 0
    banner = False
    if lines and not is_field[0] and not lines[0][:1].isspace():
        start = next((i for i in range(min(len(lines), _MAX_BANNER_LINES + 1)) if is_field[i]), 0)
        if not start:
            return None
        banner = True
    out: list[bytes] = []
    stray = False
    for index in range(start, len(lines)):
        line = lines[index]
        if is_field[index] or line[:1] in (b" ", b"\t"):
            out.append(line)
            continue
        ahead = is_field[index + 1 : index + 1 + _MAX_STRAY_LINES]
        if any(ahead) and line.strip():
            out.append(b" " + line)  # an unindented continuation
            stray = True
            continue
        # The headers ended without a blank line: the rest is body.
        body = b"\n".join(lines[index:])
        rest = b"\n\n" + body + rest
        break
    if not stray and not banner:
        return None  # the stdlib already reads it this way
    if banner:
        note = _(
            "The message began with a forwarding banner before its headers; the headers "
            "below it were read."
        )
    else:
        note = _(
            "Some header lines were not properly continued; they were read as mail clients do."
        )
    return b"\n".join(out) + rest, note


# --- headers -------------------------------------------------------------------------------


class _Headers:
    """The top-level headers as they arrived (raw 8-bit kept), looked up by lower-case name.

    compat32's own `get()` rescans the list and replaces raw 8-bit bytes on every call.
    """

    __slots__ = ("values",)

    def __init__(self, msg: EmailMessage) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self.values.setdefault(name.lower(), []).append(value)

    def get(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def get_all(self, name: str) -> list[str]:
        return self.values.get(name, [])


def header_decode(value: object, *, hint: str = "") -> str:
    """Decode an RFC 2047 header value to text, tolerating malformed words and raw 8-bit.

    `hint` is the charset the message declares for its text: raw 8-bit is tried in it first.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        # compat32 hands out a Header object for some raw 8-bit values.
        value = str(value)
    value = _FOLD_RE.sub(" ", value) if "\n" in value else value
    if not value.isascii():
        value = _surrogates_to_text(value, hint)
    if "=?" not in value:
        return value.strip()
    return _decode_encoded_words(value).strip()


def _decode_encoded_words(value: str) -> str:
    # Whitespace between two adjacent encoded words is not part of the text (RFC 2047 6.2).
    value = _BETWEEN_ENCODED_WORDS_RE.sub(r"\1\2", value)
    out: list[str] = []
    pending: bytearray = bytearray()
    pending_charset = ""
    pos = 0
    for match in _ENCODED_WORD_RE.finditer(value):
        if match.start() > pos:
            if pending:
                out.append(_decode_text(bytes(pending), pending_charset)[0])
                pending.clear()
            out.append(value[pos : match.start()])
        charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 language suffix
        raw = _decode_word(match.group(2), match.group(3))
        # Clients split one multi-byte character across two words: join same-charset words first.
        if pending and charset != pending_charset:
            out.append(_decode_text(bytes(pending), pending_charset)[0])
            pending.clear()
        pending += raw
        pending_charset = charset
        pos = match.end()
    if pending:
        out.append(_decode_text(bytes(pending), pending_charset)[0])
    out.append(value[pos:])
    return "".join(out)


def _decode_word(encoding: str, text: str) -> bytes:
    if encoding in "Bb":
        text = text.strip()
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return text.encode("ascii", "replace")
    data = text.replace("_", " ").encode("ascii", "replace")
    return _Q_HEX_RE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _surrogates_to_text(value: str, hint: str = "") -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes: decode them in the declared charset,
    else as UTF-8, else guessed (see `_decode_text`)."""
    try:
        raw = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if hint and _charset(hint) in _LATIN_CHARSETS and not _looks_latin(raw):
        # A Latin body charset says little about a header that is plainly not Western text
        # (a GBK or Shift_JIS name): Latin decoders accept any bytes, so guess instead.
        hint = ""
    return _decode_text(raw, hint)[0]


def _sender(headers: _Headers, hint: str = "") -> tuple[str, str]:
    """The author: the first mailbox with an address in From (all From headers, all their
    mailboxes), else in Sender. Reply-To is another party and is kept apart."""
    for header in ("from", "sender"):
        values = headers.get_all(header)
        if values:
            name, addresses = _mailbox_list(values, hint)
            if addresses:
                return name, addresses[0]
    return "", ""


def _mailbox_list(values: list, hint: str = "", *, with_name: bool = True) -> tuple[str, list[str]]:
    """Addresses of a list of address headers, and the display name of the first one (decoded
    only when asked: recipients' names are not kept)."""
    if not values:
        return "", []
    first_name = ""
    result: list[str] = []
    for name, address in _parse_mailboxes(
        [_protect_encoded_words(_header_str(v, hint)) for v in values]
    ):
        address = _clean(address.strip())
        if "@" in address and address not in result:
            if not result and with_name:
                first_name = _clean(header_decode(name))
            result.append(address)
    return first_name, result


_ADDR_SPEC = r'[^\s<>(),;:"\\\[\]@]+@[^\s<>(),;:"\\\[\]@]+'
# One mailbox, the way nearly every header holds it: `Name <a@b>`, `"Name, X" <a@b>`, `a@b`.
_SIMPLE_MAILBOX_RE = re.compile(
    rf'\s*(?:(?:"([^"\\]*)"|([^",;<>()\\:@\[\]]*?))\s*<({_ADDR_SPEC})>|({_ADDR_SPEC}))\s*'
)


def _parse_mailboxes(values: list[str]) -> list[tuple[str, str]]:
    """`getaddresses`, with a fast path for the common single mailbox (the stdlib parser costs
    tens of microseconds a header, twice a message); anything else goes to the stdlib."""
    found: list[tuple[str, str]] = []
    for value in values:
        match = _SIMPLE_MAILBOX_RE.fullmatch(value)
        if match is None:
            found.extend(getaddresses([value]))
        elif match.group(4):
            found.append(("", match.group(4)))
        elif match.group(1) is not None:
            found.append((match.group(1), match.group(3)))
        else:
            found.append((" ".join(match.group(2).split()), match.group(3)))
    return found


def _protect_encoded_words(value: str) -> str:
    """Decode encoded words into quoted strings before address parsing: a decoded comma
    ("=?iso-8859-1?Q?B=FCrling,=20Andreas?=") is part of a name, not a list separator."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pos = 0
    for match in _ENCODED_RUN_RE.finditer(value):
        if value.count('"', 0, match.start()) % 2:
            continue  # already inside a quoted string
        text = _decode_encoded_words(match.group(0)).replace("\\", "\\\\").replace('"', '\\"')
        out.append(value[pos : match.start()])
        out.append(f'"{text}"')
        pos = match.end()
    out.append(value[pos:])
    return "".join(out)


def _addresses(headers: _Headers, header: str, hint: str = "") -> list[str]:
    return _mailbox_list(headers.get_all(header), hint, with_name=False)[1]


def _header_str(value: object, hint: str = "") -> str:
    value = value if isinstance(value, str) else str(value)
    if not value.isascii():
        value = _surrogates_to_text(value, hint)
    return value


def _first_id(value: object) -> str:
    ids = _ids([value] if value else None)
    return ids[0] if ids else ""


def _ids(values: list | None) -> list[str]:
    """Message ids from In-Reply-To/References: `<a@b> <c@d>`, with junk and comments ignored."""
    if not values:
        return []
    result: list[str] = []
    for value in values:
        text = _header_str(value)
        found = _ANGLE_ID_RE.findall(text)
        if not found:
            found = [t for t in text.replace(",", " ").split() if "@" in t]
        for item in found:
            mid = _clean(normalize_message_id(item))
            if mid and mid not in result:
                result.append(mid)
    return result


def _fingerprint(inbound: InboundMessage) -> None:
    """Fingerprint the parsed message; one without a Message-ID gets one made from it."""
    inbound.fingerprint = message_fingerprint(inbound)
    if not inbound.message_id:
        inbound.message_id = f"{inbound.fingerprint}@{NO_MESSAGE_ID_DOMAIN}"


def _date(value: object) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(_header_str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    if not 1970 <= parsed.year <= 9000:
        return None
    return parsed


# --- bodies and attachments ----------------------------------------------------------------


class _Body:
    """What the walk over a message's parts collects.

    `segments` are the message's texts in reading order, each a (plain, html) pair where one
    side may be missing: a lone text/plain or text/html part, or the two versions a
    multipart/alternative offers of the same content.
    """

    __slots__ = (
        "attachments",
        "charset_guessed",
        "declared_charset",
        "delivery_status",
        "returned_headers",
        "segments",
    )

    def __init__(self) -> None:
        self.segments: list[tuple[str | None, str | None]] = []
        self.attachments: list[InboundAttachment] = []
        self.charset_guessed = False
        self.declared_charset = ""
        self.delivery_status: list[EmailMessage] = []
        self.returned_headers: list[EmailMessage] = []

    @property
    def text_parts(self) -> list[str]:
        return [text for text, _html in self.segments if text is not None]

    @property
    def html_parts(self) -> list[str]:
        return [html for _text, html in self.segments if html is not None]

    def render(self) -> tuple[str | None, str]:
        """The plain text (None when every segment is HTML only) and the HTML (unsanitised;
        "" when no segment has HTML) of the whole message, every segment in order."""
        if not self.segments:
            return "", ""
        if len(self.segments) == 1:  # the common case: one part, or one alternative
            text, html = self.segments[0]
            if html is not None and text is None:
                return None, html
            return text, html if html is not None else ""
        has_text = any(text is not None for text, _html in self.segments)
        has_html = any(html is not None for _text, html in self.segments)
        text = None
        if has_text:
            text = "\n\n".join(
                t if t is not None else html_to_text(html_sanitize(h or ""))
                for t, h in self.segments
            )
        html = ""
        if has_html:
            # A plain segment next to HTML ones is shown as preformatted text, in its place.
            html = "\n".join(
                h if h is not None else f"<pre>{escape(t or '')}</pre>" for t, h in self.segments
            )
        return text, html

    def absorb(self, other: _Body) -> None:
        self.attachments.extend(other.attachments)
        self.charset_guessed |= other.charset_guessed
        self.declared_charset = self.declared_charset or other.declared_charset
        self.delivery_status.extend(other.delivery_status)
        self.returned_headers.extend(other.returned_headers)


_MAX_DEPTH = 30  # nesting deeper than this is hostile; the rest is kept as attachments


def _walk(part: EmailMessage, body: _Body, *, depth: int) -> None:
    ctype = part.get_content_type()
    maintype = ctype.partition("/")[0]
    payload = part.get_payload()

    if maintype == "multipart" and isinstance(payload, list):
        if depth >= _MAX_DEPTH:
            _add_attachment(part, body, ctype)
            return
        if ctype == "multipart/alternative":
            _walk_alternative(payload, body, depth=depth)
            return
        for child in payload:
            _walk(child, body, depth=depth + 1)
        return

    if ctype == "message/delivery-status" and isinstance(payload, list):
        body.delivery_status.extend(payload)
        _add_attachment(part, body, ctype)
        return
    if ctype == "text/rfc822-headers":
        body.returned_headers.append(message_from_bytes(_payload_bytes(part), policy=compat32))
        _add_attachment(part, body, ctype)
        return
    if ctype == "message/rfc822" and isinstance(payload, list) and payload:
        body.returned_headers.append(payload[0])
        _add_attachment(part, body, ctype)
        return

    is_attachment = _is_attachment(part)
    if not is_attachment and (ctype == "text/plain" or maintype in {"multipart", "message"}):
        # A multipart without a usable boundary is shown as text, like a plain body.
        text, guessed = _part_text(part, body)
        body.charset_guessed |= guessed
        body.segments.append((text, None))
    elif not is_attachment and ctype == "text/html":
        text, guessed = _part_text(part, body)
        body.charset_guessed |= guessed
        body.segments.append((None, text))
    else:
        _add_attachment(part, body, ctype)


def _walk_alternative(children: list, body: _Body, *, depth: int) -> None:
    """Alternatives are the same content: keep the last (richest) plain and the last HTML
    alternative, each whole: an alternative that is itself a multipart (mixed, related) keeps
    every text part it holds, in order."""
    plain: _Body | None = None
    rich: _Body | None = None
    for child in children:
        sub = _Body()
        _walk(child, sub, depth=depth + 1)
        if any(html is not None for _text, html in sub.segments):
            rich = sub
        elif sub.segments:
            plain = sub
        body.absorb(sub)
    if plain is None and rich is None:
        return
    text = plain.render()[0] if plain is not None else None
    html = rich.render()[1] if rich is not None else None
    if text is None and html is None:  # cannot happen: each has a segment of its kind
        return
    body.segments.append((text, html))


def _is_attachment(part: EmailMessage) -> bool:
    disposition = part.get("content-disposition")
    if disposition and str(disposition).split(";", 1)[0].strip().lower() == "attachment":
        return True
    return bool(part.get_param("filename", header="content-disposition") or part.get_param("name"))


def _add_attachment(part: EmailMessage, body: _Body, ctype: str) -> None:
    disposition = str(part.get("content-disposition") or "").split(";", 1)[0].strip().lower()
    content_id = _first_id(part.get("content-id")) or _clean(
        normalize_message_id(_header_str(part.get("content-id") or ""))
    )
    filename = _filename(part, body.declared_charset)
    if not filename and ctype == "message/rfc822":
        inner = part.get_payload()
        subject = header_decode(inner[0].get("subject")) if isinstance(inner, list) else ""
        filename = f"{subject or 'message'}.eml".replace("/", "_")
    body.attachments.append(
        InboundAttachment(
            filename=filename,
            content_type=ctype,
            data=_payload_bytes(part),
            content_id=content_id,
            is_inline=disposition == "inline" or (not disposition and bool(content_id)),
        )
    )


_RAW_FILENAME_RE = re.compile(
    r"""(?:^|;)\s*(?:file)?name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))""", re.IGNORECASE
)


def _filename(part: EmailMessage, hint: str = "") -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except (LookupError, ValueError, TypeError, UnicodeError):
        name = ""
    if isinstance(name, tuple):  # an RFC 2231 value the stdlib could not collapse
        name = name[2] or ""
    if "\ufffd" in name:
        # Raw 8-bit in the parameter: compat32 replaced it; read the raw header bytes instead.
        name = _raw_filename(part, hint) or name
    name = header_decode(name)
    # Keep the name only: a path in a filename is never meant for us.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _clean(name)[:255]


def _raw_filename(part: EmailMessage, hint: str) -> str:
    for header_name, value in part.raw_items():
        if header_name.lower() not in {"content-disposition", "content-type"}:
            continue
        match = _RAW_FILENAME_RE.search(_FOLD_RE.sub(" ", str(value)))
        if match:
            return _surrogates_to_text(match.group(1) or match.group(2) or "", hint)
    return ""


_UU_ENCODINGS = {"x-uuencode", "uuencode", "x-uue", "uue"}


def _payload_bytes(part: EmailMessage) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list):
        # An embedded message (or a multipart kept whole): serialise it back to bytes.
        try:
            return b"\r\n".join(p.as_bytes() for p in payload) if payload else b""
        except (UnicodeError, LookupError, TypeError, ValueError):
            return "\n".join(str(p) for p in payload).encode("utf-8", "surrogateescape")
    if str(part.get("content-transfer-encoding", "")).strip().lower() in _UU_ENCODINGS:
        return _uudecode(payload.encode("ascii", "surrogateescape"))
    try:
        data = part.get_payload(decode=True)
    except (UnicodeError, LookupError, ValueError, binascii.Error):
        data = None
    if data is None:
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data


def _uudecode(data: bytes) -> bytes:
    """uuencoded bytes, with or without the `begin <mode> <name>` line (some mailers drop it;
    the stdlib then gives up and keeps the encoded text)."""
    lines = data.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith(b"begin ")), 0)
    out = bytearray()
    for line in lines[start:]:
        stripped = line.strip()
        if stripped == b"end":
            break
        if not stripped:
            continue
        try:
            out += binascii.a2b_uu(stripped)
        except binascii.Error:
            # Some encoders pad lines oddly: decode only the length the line declares.
            size = (((stripped[0] - 32) & 63) * 4 + 5) // 3
            try:
                out += binascii.a2b_uu(stripped[:size])
            except binascii.Error:
                continue
    return bytes(out)


def _part_text(part: EmailMessage, body: _Body | None = None) -> tuple[str, bool]:
    data = _payload_bytes(part)
    charset = part.get_param("charset")
    if isinstance(charset, tuple):
        charset = charset[2]
    charset = str(charset or "")
    if body is not None and charset and not body.declared_charset:
        body.declared_charset = charset
    text, guessed = _decode_text(data, charset)
    if "\r" in text:
        # Stored text uses "\n" line ends whatever the transport used.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, guessed


# Undeclared text is guessed: charset-normalizer's statistics need some text to work on; on
# the few bytes of a name or a subject, structure decides (see `_guess_short`).
_DETECTOR_MIN_BYTES = 64
_GUESSES: ContextVar[list[str] | None] = ContextVar("carefront_charset_guesses", default=None)


def _decode_text(data: bytes, charset: str) -> tuple[str, bool]:
    """Bytes to text: the declared charset, then UTF-8, then a guess (never fails).

    Returns the text and whether a declared charset had to be abandoned. A guess for text
    that declared nothing is recorded for the parse warning.
    """
    declared = _charset(charset)
    if declared in _LATIN_CHARSETS and not data.isascii():
        # Valid UTF-8 is almost never Latin text by accident: a UTF-8 body labelled Latin-1 or
        # ASCII (a common client bug) is read as UTF-8.
        try:
            return data.decode("utf-8"), True
        except UnicodeDecodeError:
            if declared == "ascii":
                declared = ""
    if declared in _ISO2022_JP and b"\x1b" in data:
        return _decode_iso2022_jp(data), False
    if declared:
        try:
            return data.decode(declared), False
        except (UnicodeDecodeError, LookupError):
            pass
    elif data.isascii():
        return data.decode("ascii"), False
    try:
        return data.decode("utf-8"), bool(charset)
    except UnicodeDecodeError:
        pass
    guess = _guess_charset(data)
    guesses = _GUESSES.get()
    if guesses is not None:
        guesses.append(guess)
    return data.decode(guess, "replace"), bool(charset)


def _guess_charset(data: bytes) -> str:
    """The charset of 8-bit bytes that are not UTF-8 (a Python codec name)."""
    if _looks_latin(data):
        return "cp1252"
    if len(data) >= _DETECTOR_MIN_BYTES:
        best = charset_normalizer.from_bytes(data).best()
        if best is not None and best.encoding:
            return _charset(best.encoding) or "cp1252"
    return _guess_short(data)


_HIGH_RUN_RE = re.compile(rb"[\x80-\xff]+")
# cp1252 bytes of Western text: accented letters and typographic punctuation.
_LATIN_BYTES = frozenset(range(0xC0, 0x100)) | {0x80, 0x85, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97}


def _looks_latin(data: bytes) -> bool:
    """Western text: 8-bit bytes stand alone ("à"), or two or three sit inside a word ("Grüße").

    CJK text comes in longer runs of pairs, or pairs between spaces and punctuation.
    """
    for match in _HIGH_RUN_RE.finditer(data):
        run = match.group(0)
        if len(run) > 3 or not all(byte in _LATIN_BYTES for byte in run):
            return False
        if len(run) > 1:
            before = data[match.start() - 1 : match.start()]
            after = data[match.end() : match.end() + 1]
            if not (before.isalpha() or after.isalpha()):
                return False
    return True


_EUC_RUN_RE = re.compile(rb"(?:[\xa1-\xfe][\xa1-\xfe])+")


def _guess_short(data: bytes) -> str:
    """A name or a subject: EUC-style pairs (both bytes 0xA1-0xFE) are GB2312/GBK, the most
    common such mail; otherwise text valid as Shift_JIS is Japanese, then GBK, then cp1252."""
    high = _HIGH_RUN_RE.findall(data)
    if high and all(_EUC_RUN_RE.fullmatch(run) for run in high):
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            return "gb18030"
    for candidate in ("cp932", "gb18030"):
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    return "cp1252"


_ISO2022_JP = {"iso2022_jp", "iso2022_jp_ext", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_3"}
_ISO2022_ESCAPE_RE = re.compile(rb"\x1b(\$\(?[@BDOPQ]|\([BJIH]|\$\)[AC]|\(\x2d[A-Z]?)")


def _decode_iso2022_jp(data: bytes) -> str:
    """ISO-2022-JP as Windows reads it (CP50220/CP50221): its two-byte sets decoded through
    cp932, which adds the NEC and IBM rows (①, ㈱, Roman numerals) that strict decoders refuse.
    """
    try:
        return data.decode("iso2022_jp_ext")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    mode = b"(B"
    pos = 0
    for match in _ISO2022_ESCAPE_RE.finditer(data):
        out.append(_iso2022_chunk(data[pos : match.start()], mode))
        mode = match.group(1)
        pos = match.end()
    out.append(_iso2022_chunk(data[pos:], mode))
    return "".join(out)


def _iso2022_chunk(chunk: bytes, mode: bytes) -> str:
    if not chunk:
        return ""
    if mode.startswith(b"$"):
        sjis = bytearray()
        for index in range(0, len(chunk) - 1, 2):
            j1, j2 = chunk[index], chunk[index + 1]
            if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
                sjis += bytes([j1, j2])  # line ends inside a two-byte run: kept as they are
                continue
            s1 = (j1 + 1) // 2 + 0x70
            s1 += 0x40 if s1 >= 0xA0 else 0
            s2 = j2 + (0x1F + (j2 >= 0x60) if j1 % 2 else 0x7E)
            sjis += bytes([s1, s2])
        return sjis.decode("cp932", "replace")
    if mode == b"(I":  # half-width katakana
        return bytes(b | 0x80 for b in chunk).decode("cp932", "replace")
    return chunk.decode("latin-1")


def _charset(name: str) -> str:
    name = name.strip().strip("\"'").lower()
    if not name:
        return ""
    name = _CHARSET_ALIASES.get(name, name)
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def _all_defects(msg: EmailMessage):
    yield from msg.defects
    payload = msg.get_payload()
    if isinstance(payload, list):
        for part in payload:
            if isinstance(part, EmailMessage):
                yield from _all_defects(part)


# --- auto-replies and bounces --------------------------------------------------------------


def _classify(msg: EmailMessage, headers: _Headers, inbound: InboundMessage, body: _Body) -> None:
    ctype = msg.get_content_type()
    report_type = str(msg.get_param("report-type") or "").lower()
    is_report = ctype == "multipart/report"
    if (is_report and report_type == "delivery-status") or (
        _BOUNCE_SENDER_RE.match(inbound.from_address)
        and (_BOUNCE_SUBJECT_RE.search(inbound.subject) or body.delivery_status)
    ):
        inbound.is_bounce = True
        inbound.is_auto_submitted = True
        inbound.bounced_message_ids = _bounced_ids(inbound, body)
        inbound.bounce_reason = _bounce_reason(inbound, body)
        return
    inbound.is_auto_submitted = (is_report and report_type == "disposition-notification") or (
        is_auto_submitted_headers(headers, inbound.subject)
    )
    inbound.is_bulk = is_bulk_headers(headers)


def is_auto_submitted_headers(msg: _Headers, subject: str) -> bool:
    """Whether a program, not a person, sent this message as an automatic reply or report
    (RFC 3834 and vendor headers, out-of-office subjects).

    List and bulk headers do NOT count (see `is_bulk_headers`): a person writing to us through
    a list or group address is still a person.
    """
    auto_submitted = str(msg.get("auto-submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if msg.get("x-autoreply") or msg.get("x-autorespond") or msg.get("x-autoresponder"):
        return True
    precedence = str(msg.get("precedence") or "").strip().lower()
    if precedence in {"auto_reply", "auto-reply"}:
        return True
    return bool(_AUTO_REPLY_SUBJECT_RE.match(subject))


_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help", "list-archive")


def is_bulk_headers(msg: _Headers) -> bool:
    """Whether the message came through a list, a group or a bulk sender: "do not answer this
    automatically" (Precedence: bulk/list/junk, RFC 2369/2919 List-* headers, Exchange's
    X-Auto-Response-Suppress), which says nothing about whether a person wrote it."""
    precedence = str(msg.get("precedence") or "").strip().lower()
    if precedence in {"bulk", "list", "junk"}:
        return True
    if any(msg.get(name) for name in _LIST_HEADERS):
        return True
    suppress = str(msg.get("x-auto-response-suppress") or "").lower()
    return bool(suppress) and (
        suppress.strip() == "all" or "oof" in suppress or "autoreply" in suppress
    )


def _bounced_ids(inbound: InboundMessage, body: _Body) -> list[str]:
    ids: list[str] = []
    for headers in body.returned_headers:
        mid = _first_id(headers.get("message-id"))
        if mid and mid not in ids:
            ids.append(mid)
    if not ids:
        # Bounces that quote the original as plain text ("failure notice" from qmail and co.).
        for match in _BODY_MESSAGE_ID_RE.finditer(inbound.body_text):
            mid = normalize_message_id(match.group(1))
            if mid not in ids:
                ids.append(mid)
    return ids


def _bounce_reason(inbound: InboundMessage, body: _Body) -> str:
    for block in body.delivery_status:
        diagnostic = header_decode(block.get("diagnostic-code"))
        status = header_decode(block.get("status"))
        if diagnostic or (status and not status.startswith("2")):
            diagnostic = re.sub(r"^\s*(?:smtp|x-[a-z-]+)\s*;\s*", "", diagnostic, flags=re.I)
            reason = f"{status} {diagnostic}".strip() if status not in diagnostic else diagnostic
            return _clean(reason)[:2000]
    match = _DIAGNOSTIC_RE.search(inbound.body_text)
    if match:
        return match.group(0).strip()[:2000]
    return ""


def _clean(text: str) -> str:
    """PostgreSQL text cannot hold NUL, and lone surrogates cannot be encoded at all."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


# --- last resort ---------------------------------------------------------------------------

_RAW_HEADER_RE = re.compile(
    rb"^(from|subject|message-id|date|to|cc|in-reply-to|references):[ \t]*(.*(?:\r?\n[ \t].*)*)",
    re.IGNORECASE | re.MULTILINE,
)


def recover_email(data: bytes, *, reason: str) -> InboundMessage:
    """What can be saved from bytes the parser (or the database) refused: a few headers found by
    pattern, and the whole input as text. Shown with a warning so the agent knows."""
    head = data[:65536].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    found: dict[str, str] = {}
    for match in _RAW_HEADER_RE.finditer(head):
        name = match.group(1).decode("ascii").lower()
        if name not in found:
            found[name] = _clean(header_decode(_decode_text(match.group(2), "utf-8")[0]))
    name, address = parseaddr(found.get("from", ""))
    text = _clean(_decode_text(data, "utf-8")[0])
    subject = found.get("subject", "")
    inbound = InboundMessage(
        channel=CHANNEL,
        from_address=address if "@" in address else "",
        from_name=name,
        to=[a for _n, a in getaddresses([found.get("to", "")]) if "@" in a],
        cc=[a for _n, a in getaddresses([found.get("cc", "")]) if "@" in a],
        subject=subject,
        message_id=_first_id(found.get("message-id")),
        in_reply_to=_ids([found["in-reply-to"]] if "in-reply-to" in found else None),
        references=_ids([found["references"]] if "references" in found else None),
        body_text=text,
        reply_text=text,
        sent_at=_date(found.get("date")),
        reply_tokens=find_tokens(addresses=[], subject=subject),
        parse_warning=_(
            "This message could not be read as an email (%(reason)s); it is shown as raw text."
        )
        % {"reason": reason[:300]},
    )
    _fingerprint(inbound)
    return inbound
