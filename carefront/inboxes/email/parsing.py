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
from email import errors as email_errors
from email import message_from_bytes
from email.message import Message as EmailMessage
from email.policy import compat32
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

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

_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
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
    msg = message_from_bytes(data, policy=compat32)
    headers = _Headers(msg)
    warnings: list[str] = []

    from_name, from_address = _sender(headers)
    to = _addresses(headers, "to")
    cc = _addresses(headers, "cc")
    delivered_to = _addresses(headers, "delivered-to") + _addresses(headers, "x-original-to")
    subject = _clean(header_decode(headers.get("subject")))
    message_id = _first_id(headers.get("message-id"))

    body = _Body()
    _walk(msg, body, depth=0)
    body_text = "\n\n".join(body.text_parts)
    body_html = html_sanitize("\n".join(body.html_parts)) if body.html_parts else ""
    if not body_text.strip() and body_html:
        body_text = html_to_text(body_html)
    body_text = _clean(body_text)
    body_html = _clean(body_html)

    for defect in _all_defects(msg):
        text = _SERIOUS_DEFECTS.get(type(defect))
        if text and _(text) not in warnings:
            warnings.append(_(text))
    if not headers.values:
        warnings.append(_("No email headers were found; the content is shown as raw text."))
    if body.charset_guessed:
        warnings.append(_("The text's character set was missing or wrong; it was guessed."))

    inbound = InboundMessage(
        channel=CHANNEL,
        from_address=from_address,
        from_name=from_name,
        to=to,
        cc=cc,
        delivered_to=delivered_to,
        subject=subject,
        message_id=message_id,
        in_reply_to=_ids(headers.get_all("in-reply-to")),
        references=_ids(headers.get_all("references"))[-_MAX_HEADER_IDS:],
        body_text=body_text,
        body_html=body_html,
        reply_text=_clean(extract_reply(body_text).reply) if body_text else "",
        sent_at=_date(headers.get("date")),
        attachments=body.attachments,
        reply_tokens=find_tokens(addresses=[*to, *cc, *delivered_to], subject=subject),
        parse_warning="\n".join(warnings),
    )
    _classify(msg, headers, inbound, body)
    _fingerprint(inbound)
    return inbound


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


def header_decode(value: object) -> str:
    """Decode an RFC 2047 header value to text, tolerating malformed words and raw 8-bit."""
    if value is None:
        return ""
    if not isinstance(value, str):
        # compat32 hands out a Header object for some raw 8-bit values.
        value = str(value)
    value = _FOLD_RE.sub(" ", value) if "\n" in value else value
    if not value.isascii():
        value = _surrogates_to_text(value)
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


def _surrogates_to_text(value: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes: decode them as UTF-8, else cp1252."""
    try:
        raw = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return _decode_text(raw, "utf-8")[0]


def _sender(headers: _Headers) -> tuple[str, str]:
    for header in ("from", "sender", "reply-to", "return-path"):
        value = headers.get(header)
        if not value:
            continue
        name, address = parseaddr(_header_str(value))
        address = _clean(address.strip())
        if "@" in address:
            return _clean(header_decode(name)), address
    return "", ""


def _addresses(headers: _Headers, header: str) -> list[str]:
    values = headers.get_all(header)
    if not values:
        return []
    result = []
    for _name, address in getaddresses([_header_str(v) for v in values]):
        address = _clean(address.strip())
        if "@" in address and address not in result:
            result.append(address)
    return result


def _header_str(value: object) -> str:
    value = value if isinstance(value, str) else str(value)
    if not value.isascii():
        value = _surrogates_to_text(value)
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
    __slots__ = (
        "attachments",
        "charset_guessed",
        "delivery_status",
        "html_parts",
        "returned_headers",
        "text_parts",
    )

    def __init__(self) -> None:
        self.text_parts: list[str] = []
        self.html_parts: list[str] = []
        self.attachments: list[InboundAttachment] = []
        self.charset_guessed = False
        self.delivery_status: list[EmailMessage] = []
        self.returned_headers: list[EmailMessage] = []


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
        text, guessed = _part_text(part)
        body.charset_guessed |= guessed
        body.text_parts.append(text)
    elif not is_attachment and ctype == "text/html":
        text, guessed = _part_text(part)
        body.charset_guessed |= guessed
        body.html_parts.append(text)
    else:
        _add_attachment(part, body, ctype)


def _walk_alternative(children: list, body: _Body, *, depth: int) -> None:
    """Keep the plain and the HTML version; richer variants (multipart/related) go in whole."""
    sub = _Body()
    for child in children:
        _walk(child, sub, depth=depth + 1)
    # Each alternative is the same content: keep the last (richest) of each kind.
    if sub.text_parts:
        body.text_parts.append(sub.text_parts[-1])
    if sub.html_parts:
        body.html_parts.append(sub.html_parts[-1])
    body.attachments.extend(sub.attachments)
    body.charset_guessed |= sub.charset_guessed
    body.delivery_status.extend(sub.delivery_status)
    body.returned_headers.extend(sub.returned_headers)


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
    filename = _filename(part)
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


def _filename(part: EmailMessage) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except (LookupError, ValueError, TypeError, UnicodeError):
        name = ""
    if isinstance(name, tuple):  # an RFC 2231 value the stdlib could not collapse
        name = name[2] or ""
    name = header_decode(name)
    # Keep the name only: a path in a filename is never meant for us.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _clean(name)[:255]


def _payload_bytes(part: EmailMessage) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list):
        # An embedded message (or a multipart kept whole): serialise it back to bytes.
        try:
            return b"\r\n".join(p.as_bytes() for p in payload) if payload else b""
        except (UnicodeError, LookupError, TypeError, ValueError):
            return "\n".join(str(p) for p in payload).encode("utf-8", "surrogateescape")
    try:
        data = part.get_payload(decode=True)
    except (UnicodeError, LookupError, ValueError, binascii.Error):
        data = None
    if data is None:
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data


def _part_text(part: EmailMessage) -> tuple[str, bool]:
    data = _payload_bytes(part)
    charset = part.get_param("charset")
    if isinstance(charset, tuple):
        charset = charset[2]
    text, guessed = _decode_text(data, str(charset or ""))
    if "\r" in text:
        # Stored text uses "\n" line ends whatever the transport used.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, guessed


def _decode_text(data: bytes, charset: str) -> tuple[str, bool]:
    """Bytes to text: the declared charset, then UTF-8, then cp1252, then Latin-1 (never fails).

    Returns the text and whether the declared charset had to be abandoned.
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
    if declared:
        try:
            return data.decode(declared), False
        except (UnicodeDecodeError, LookupError):
            pass
    elif data.isascii():
        return data.decode("ascii"), False
    for fallback in ("utf-8", "cp1252"):
        if fallback == declared:
            continue
        try:
            return data.decode(fallback), bool(charset)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), True


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
