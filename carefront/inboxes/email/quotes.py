"""Split an email's text into the new reply, the quoted thread below it, and the signature.

Behaviour (see docs/email-parsing.md):
* A *thread header* starts earlier mail: an attribution line ("On <date>, <name> wrote:", and its
  de/nl/pl/sv/da/fr/es/it/pt/ja forms, also broken over up to three lines), an
  "-----Original Message-----" separator, or an Outlook block ("From: ..." followed by
  "Sent:/Date:/To:/Subject:" lines, in the same languages). Everything from the first one down
  is the quoted thread.
* `>`-quoted lines at the end of the reply are quoted too; `>`-quoted lines *followed by new
  text* (inline or bottom posting) stay in the reply, so nothing the customer wrote is hidden.
  If the message starts with a header or quote, the new text below it is the reply.
* A signature is cut from the end of the reply: a line "-- ", "--", "__" or "-Name" after a blank
  line, a "Sent from my iPhone"-style line, or a closing ("Best regards", "Mit freundlichen
  Grüßen", "Mvh", ...) followed by at most four short lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTE_PREFIX_RE = re.compile(r"^(?:[ \t]*>)+[ \t]?")
# Cyrillic and Turkish letters below are meant (ruff's RUF001 flags them as look-alikes).
_VERBS = (
    r"wrote|writes|schrieb|schreef|skrev|napisa[łl](?:\(a\))?|napisała|a [ée]crit|"
    r"escribi[óo]|ha scritto|escreveu|kirjoitti|написал(?:а)?|yazd[ıi]|書きました|のメッセージ|"  # noqa: RUF001
    r"(?:het volgende )?geschreven|đã viết"
)
# An attribution line: ends in ":" and names the verb, or (ja, sv, ...) a date and an address.
_ATTRIBUTION_VERB_RE = re.compile(rf"(?:^|\W)(?:{_VERBS})(?:\W.*)?:\s*$", re.IGNORECASE)
# Without an opener ("On", a date), the verb must end the line: "Ann Lee wrote:", but not
# "You wrote in the manual:" (a customer quoting, whose words follow).
_ATTRIBUTION_VERB_LAST_RE = re.compile(
    rf"(?:^|\W)(?:{_VERBS})(?: the following)?\s*:\s*$", re.IGNORECASE
)
# Android and others: "---- Ann Lee wrote ----", "------On Fri, ... Ann wrote-----".
_DASHED_ATTRIBUTION_RE = re.compile(
    rf"^-{{2,}}\s*\S.*\W(?:{_VERBS})\s*:?\s*-{{2,}}$", re.IGNORECASE
)
# An attribution that shares a line with the reply above it: split at "On ...".
_INLINE_ATTRIBUTION_RE = re.compile(
    rf"^(?P<reply>.*?\S)[\s-]*(?P<attribution>(?:On|Am|Le|El|Op|Il|Em)\s"
    rf"(?=[^\n]*\d).{{5,300}}\W(?:{_VERBS})\s*:)\s*$"
)
_ATTRIBUTION_ADDRESS_RE = re.compile(r"\d.*<\s*[^<>\s@]+@[^<>\s]+\s*>\s*:\s*$")
# Gmail in some locales: "2011/4/7 Name <a@b>" with no colon, the quote right below.
_YEAR_FIRST_ADDRESS_RE = re.compile(r"^\d{4}[/.-]\d{1,2}[/.-]\d{1,2}\b.*<[^<>\s@]+@[^<>\s]+>$")
# "Mon, 2 Apr 2012 17:44:22 bob@example.com:": a date first, a bare address and a colon last.
_DATE_LEAD_ADDRESS_RE = re.compile(
    r"^(?:\w{2,10}\.?,\s*)?\d{1,4}[\s./-]+\w{1,10}\.?[\s./-]+\d{2,4}\b.*\s<?[^<>\s@]+@[^<>\s]+?>?\s*:\s*$"
)
# Verbs that only make an attribution after an opener ("On 11-Apr-2011, Ann <a@b> sent:").
_OPENER_VERB_RE = re.compile(r"\W(?:sent|sendte|envoy[ée]|verzond)\s*:\s*$", re.IGNORECASE)
_ATTRIBUTION_OPENER_RE = re.compile(
    r"^(?:On|Am|Op|Den|Dnia|W dniu|Le|El|Il|Em|Op|Vào|\d|[A-Za-zäöåæø]{2,4}\.?\s+\d)",
    re.IGNORECASE,
)
_SEPARATOR_RE = re.compile(
    r"^[-_=* ]{3,}\s*(?:original message|ursprüngliche nachricht|originalnachricht|"
    r"oorspronkelijk bericht|oprindelig (?:meddelelse|besked)|ursprungligt meddelande|"
    r"opprinnelig melding|wiadomo[śs][ćc] oryginalna|message d'origine|mensaje original|"
    r"messaggio originale|mensagem original|alkuper[äa]inen viesti|reply message|"
    r"antwort nachricht|исходное сообщение|oorspronkelijk bericht)\s*[-_=* ]{3,}$"
    r"|^original message processed by david",
    re.IGNORECASE,
)
_FORWARD_RE = re.compile(
    r"^-{2,}\s*(?:forwarded message|weitergeleitete nachricht|doorgestuurd bericht|"
    r"videresendt (?:meddelelse|besked)|vidarebefordrat meddelande|message transf[ée]r[ée]|"
    r"mensaje reenviado|messaggio inoltrato|wiadomo[śs][ćc] przekazana dalej)\s*-{2,}$|"
    r"^(?:begin forwarded message|anfang der weitergeleiteten nachricht|"
    r"d[ée]but du message r[ée]exp[ée]di[ée])\s*:$",
    re.IGNORECASE,
)
_FIELD = r"^\*?\s*(?:{names})\s*:\*?(?:\s|$)"
_FROM_FIELD_RE = re.compile(
    _FIELD.format(names=r"from|von|van|fra|från|od|de|da|from|差出人|送信者|发件人|寄件者|от|từ"),
    re.IGNORECASE,
)
_OTHER_FIELD_RE = re.compile(
    _FIELD.format(
        names=r"sent|date|to|subject|cc|gesendet|datum|an|betreff|verzonden|aan|onderwerp|"
        r"sendt|til|emne|skickat|till|ämne|wys[łl]ano|do|temat|data|envoy[ée]|[àa]|objet|"
        r"enviado|para|asunto|fecha|inviato|oggetto|送信日時|宛先|件名|日付|发送时间|收件人|主题|"
        r"отправлено|кому|тема|дата|копия|ngày gửi|đến|chủ đề"
    ),
    re.IGNORECASE,
)
# A block of headers without From ("Sent:/To:/Subject:", "Date:/To:/..."): its first field.
_DATE_FIELD_RE = re.compile(
    r"^\*?\s*(?:sent|date|gesendet|datum|verzonden|envoy[ée]|enviado|data|отправлено|дата)\s*:",
    re.IGNORECASE,
)
# Outlook's header block squeezed onto one line: "From: X [mailto:x@y] Sent: ... To: ...".
_ONE_LINE_OUTLOOK_RE = re.compile(
    r"\s(?:sent|date|gesendet|datum|verzonden|envoy[ée]|enviado|отправлено|дата):\s",
    re.IGNORECASE,
)
_SIG_DELIMITER_RE = re.compile(r"^(?:-{2,}|_{2,})$|^[-/]\w[\w .'-]{0,40}$")
_MOBILE_SIG_RE = re.compile(
    r"^(?:sent from my(?:\s+[\w'\u2019-]+){1,4}|sent from (?:outlook|mail|yahoo mail)(?: for \w+)?|"
    r"get outlook for \w+|sent from my \w+ (?:using|via) .{1,40}|"
    r"von meinem [\w ]{1,30} gesendet|gesendet von [\w ]{1,30}|verstuurd vanaf mijn [\w ]{1,30}|"
    r"skickat från min [\w ]{1,30}|sendt fra min [\w ]{1,30}|wys[łl]ane z [\w ']{1,30}|"
    r"envoy[ée] de mon [\w ]{1,30}|enviado desde mi [\w ]{1,30}|inviato da [\w ]{1,30})[.!]?$",
    re.IGNORECASE,
)
_CLOSING_RE = re.compile(
    r"^(?:best(?: wishes| regards)?|kind regards|warm regards|regards|many thanks|thanks|"
    r"thank you|thx|cheers|br|sincerely|yours(?: truly| sincerely)?|"
    r"mit freundlichen gr[üu](?:ß|ss)en|freundliche gr[üu](?:ß|ss)e|viele gr[üu](?:ß|ss)e|"
    r"beste gr[üu](?:ß|ss)e|gr[üu](?:ß|ss)e|lg|vg|mfg|"
    r"met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|groet(?:en|jes)?|mvg|"
    r"med venlig hilsen|venlig hilsen|mvh|kh|hilsen|de bedste hilsner|"
    r"vänliga hälsningar|hälsningar|hälsning|"
    r"pozdrawiam|z powa[żz]aniem|pozdrowienia|"
    r"cordialement|bien cordialement|salutations|saludos|atentamente|cordiali saluti|saluti|"
    r"atenciosamente|abraços|"
    r"よろしくお願いいたします|よろしくお願いします|以上、よろしくお願いいたします)[,.!]*$",
    re.IGNORECASE,
)
_TRAILING_RULE_RE = re.compile(r"^[-_=*]{3,}$")
_MAX_CLOSING_TAIL = 4
_MAX_SIGNATURE_LINE = 80


@dataclass(frozen=True, slots=True)
class ExtractedReply:
    """The new text of a message, the quoted thread below it, and the cut-off signature."""

    reply: str
    quoted: str = ""
    signature: str = ""


@dataclass(frozen=True, slots=True)
class ThreadPart:
    """One message of a thread found inside an email's text; part 0 is the newest."""

    header: str
    body: str
    signature: str

    @property
    def content(self) -> str:
        return "\n".join(p for p in (self.header, self.body, self.signature) if p).strip()


def extract_reply(text: str, *, from_html: bool = False) -> ExtractedReply:
    """The reply, quoted thread and signature of `text`.

    `from_html`: the text was made from HTML, where a `<blockquote>` is also how people cite
    (a passage of a manual, of our last answer) in the middle of their own words, and where
    some clients wrap the whole message in one. Only a thread header folds there: blockquotes
    above it are part of the reply.
    """
    lines = _lines(text)
    if _INLINE_HINT_RE.search(text):
        lines = _split_inline_attributions(lines)
    headers = _find_headers(lines)
    if from_html and not headers:
        lines = [_unquote(line) for line in lines]
    header_lines = {i for start, end in headers for i in range(start, end)}
    end = len(lines)
    new_text_above = True
    if headers:
        first_start = headers[0][0]
        new_text_above = any(
            line.strip() and (from_html or not _is_quoted(line)) for line in lines[:first_start]
        )
        if not new_text_above or not _is_bottom_posted(lines, headers, header_lines):
            # Top posting: the earlier thread starts at the first header.
            end = first_start if new_text_above else end
    if headers and not new_text_above and _is_forward_header(lines, headers[0]):
        # A forward without a comment: the forwarded message is what the customer sends us.
        inner = extract_reply("\n".join(lines[headers[0][1] :]))
        return ExtractedReply(reply=inner.reply, quoted=inner.quoted, signature=inner.signature)
    cut, signatures = _visible_end(lines, end, header_lines, peel_quotes=not from_html)
    in_signature = {i for start, stop in signatures for i in range(start, stop)}
    reply_lines = [line.rstrip() for line in lines[:cut]]
    while reply_lines and (
        not reply_lines[-1].strip() or _TRAILING_RULE_RE.match(reply_lines[-1].strip())
    ):
        reply_lines.pop()
    quoted = [line for i, line in enumerate(lines[cut:], cut) if i not in in_signature]
    signature = "\n\n".join(
        "\n".join(lines[start:stop]).strip() for start, stop in sorted(signatures)
    )
    if from_html and reply_lines and all(_is_quoted(line) for line in reply_lines if line.strip()):
        # The whole reply sits in a blockquote (a client's wrapper, not a quotation).
        reply_lines = [_unquote(line) for line in reply_lines]
    reply = "\n".join(reply_lines).strip()
    if not reply and not headers and any(line.strip() for line in lines):
        # Nothing but quoted lines and no thread header: these are the sender's words (a
        # message wholly inside a quote); when unsure, show.
        reply = "\n".join(_unquote(line).rstrip() for line in lines[:cut] or lines).strip()
        if not reply:
            reply = "\n".join(_unquote(line).rstrip() for line in quoted).strip()
    return ExtractedReply(
        reply=reply,
        quoted="\n".join(quoted).strip(),
        signature=signature.strip(),
    )


_MAX_INLINE_LINE = 600  # longer lines are not attributions; keeps the regex linear in practice


# A cheap scan of the whole text (one C-level search) before the per-line work: an opener
# word after other text on a line that ends in a colon.
_INLINE_HINT_RE = re.compile(r"\S[ \t-]+(?:On|Am|Le|El|Op|Il|Em) [^\n]*:[ \t]*$", re.MULTILINE)


def _split_inline_attributions(lines: list[str]) -> list[str]:
    """ "Sounds good. On Mon, ... Ann <a@b> wrote:" on one line: the reply, then the header."""
    result: list[str] = []
    for line in lines:
        match = (
            _INLINE_ATTRIBUTION_RE.match(line)
            if line.rstrip().endswith(":") and len(line) <= _MAX_INLINE_LINE
            else None
        )
        if match and not _is_quoted(line):
            result += [match.group("reply"), match.group("attribution")]
        else:
            result.append(line)
    return result


def _is_bottom_posted(
    lines: list[str], headers: list[tuple[int, int]], header_lines: set[int]
) -> bool:
    """An attribution followed by `>` quotes and then new text: the reply is below the quote."""
    first_end = headers[0][1]
    if not _ATTRIBUTION_VERB_RE.search(_unquote(lines[first_end - 1])) and not (
        _ATTRIBUTION_ADDRESS_RE.search(_unquote(lines[first_end - 1]))
    ):
        return False
    following = next((line for line in lines[first_end:] if line.strip()), "")
    if not _is_quoted(following):
        return False
    cut, _signatures = _visible_end(lines, len(lines), header_lines)
    return any(
        line.strip() and not _is_quoted(line) and index not in header_lines
        for index, line in enumerate(lines[first_end:cut], first_end)
    )


def _visible_end(
    lines: list[str], end: int, header_lines: set[int], *, peel_quotes: bool = True
) -> tuple[int, list[tuple[int, int]]]:
    """Where the visible text above `end` stops, peeling off from the bottom: quoted lines
    (unless `peel_quotes` is False), blank lines, thread headers and signatures. Returns the
    cut and the signature spans."""
    signatures: list[tuple[int, int]] = []
    cut = end
    while True:
        index = cut - 1
        while index >= 0 and (
            not lines[index].strip()
            or (peel_quotes and _is_quoted(lines[index]))
            or index in header_lines
        ):
            index -= 1
        new_cut = index + 1
        start = _signature_start(lines[:new_cut], quoted_ok=False)
        if start is None or not any(line.strip() for line in lines[:start]):
            return new_cut, signatures
        signatures.append((start, new_cut))
        cut = start


def split_thread(text: str) -> list[ThreadPart]:
    """Every message of the thread quoted in `text`, newest first (empty leading part dropped)."""
    lines = _lines(text)
    headers = _find_headers(lines)
    bounds = [(0, 0), *headers]
    parts = []
    for index, (start, end) in enumerate(bounds):
        stop = bounds[index + 1][0] if index + 1 < len(bounds) else len(lines)
        body_lines = lines[end:stop]
        sig_start = _signature_start(body_lines)
        signature = ""
        if sig_start is not None:
            signature = "\n".join(body_lines[sig_start:]).strip()
            body_lines = body_lines[:sig_start]
        part = ThreadPart(
            header="\n".join(lines[start:end]).strip(),
            body="\n".join(body_lines).strip(),
            signature=signature,
        )
        if index == 0 and not part.content:
            continue
        parts.append(part)
    return parts


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _unquote(line: str) -> str:
    return _QUOTE_PREFIX_RE.sub("", line) if ">" in line[:40] else line


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _find_headers(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) line spans of every thread header, top to bottom."""
    spans: list[tuple[int, int]] = []
    index = 0
    count = len(lines)
    while index < count:
        end = _header_at(lines, index)
        if end:
            spans.append((index, end))
            index = end
        else:
            index += 1
    return spans


def _field_block_end(lines: list[str], index: int) -> tuple[int, int, bool]:
    """End of a run of "Name: value" header fields at `index`: (end, fields, has From)."""
    end = index
    fields = 0
    has_from = False
    while end < len(lines) and end - index <= 10:
        line = _unquote(lines[end]).strip()
        if _FROM_FIELD_RE.match(line):
            has_from = True
            fields += 1
        elif _OTHER_FIELD_RE.match(line):
            fields += 1
        elif (
            line
            and fields
            and (
                (end + 1 < len(lines) and _OTHER_FIELD_RE.match(_unquote(lines[end + 1]).strip()))
                or line.startswith("<")
                or _unquote(lines[end - 1]).rstrip().endswith((",", "<", ";"))
            )
        ):
            pass  # a wrapped value (long subject, many recipients) continues the block
        else:
            break
        end += 1
    return end, fields, has_from


def _is_forward_header(lines: list[str], span: tuple[int, int]) -> bool:
    return bool(_FORWARD_RE.match(_unquote(lines[span[0]]).strip()))


def _header_at(lines: list[str], index: int) -> int:
    line = _unquote(lines[index]).strip()
    if not line or len(line) > 400:
        return 0
    if _SEPARATOR_RE.match(line) or _FORWARD_RE.match(line) or _DASHED_ATTRIBUTION_RE.match(line):
        return _field_block_end(lines, index + 1)[0]
    if _FROM_FIELD_RE.match(line) or _OTHER_FIELD_RE.match(line):
        end, fields, has_from = _field_block_end(lines, index)
        if has_from and fields >= 2:
            return end
        if _FROM_FIELD_RE.match(line) and _ONE_LINE_OUTLOOK_RE.search(line):
            return end
        if _DATE_FIELD_RE.match(line) and (
            fields >= 3 or (fields == 2 and any(c.isdigit() for c in line))
        ):
            return end
        return 0
    if _YEAR_FIRST_ADDRESS_RE.match(line):
        following = next((_l for _l in lines[index + 1 : index + 4] if _l.strip()), "")
        return index + 1 if _is_quoted(following) else 0
    opener = bool(_ATTRIBUTION_OPENER_RE.match(line))
    if line.endswith(":") or opener:
        joined = line
        verb_re = _ATTRIBUTION_VERB_RE if opener else _ATTRIBUTION_VERB_LAST_RE
        for span in range(1, 4):
            if span > 1:
                if index + span - 1 >= len(lines):
                    break
                following = _unquote(lines[index + span - 1]).strip()
                if not following:
                    break
                joined = f"{joined} {following}"
            if joined.endswith(":") and (
                verb_re.search(joined)
                or _ATTRIBUTION_ADDRESS_RE.search(joined)
                or _DATE_LEAD_ADDRESS_RE.match(joined)
                or (opener and _OPENER_VERB_RE.search(joined))
            ):
                if span > 1 and not opener:
                    return 0
                return index + span
            if not opener:
                break
        if line.startswith("On ") and any(c.isdigit() for c in line):
            return _scattered_attribution_end(lines, index)
    return 0


_SCATTER_PIECE_RE = re.compile(r"[<>@]|mailto:")


def _scattered_attribution_end(lines: list[str], index: int) -> int:
    """Polymail and some webmails scatter "On <date> Name / <mailto:...> / wrote:" over several
    lines with blank lines between: every piece after the first holds an address part."""
    for offset in range(1, 7):
        if index + offset >= len(lines):
            break
        piece = _unquote(lines[index + offset]).strip()
        if not piece:
            continue
        if piece.endswith(":") and _ATTRIBUTION_VERB_LAST_RE.search(piece):
            return index + offset + 1
        if len(piece) > 120 or not _SCATTER_PIECE_RE.search(piece):
            return 0
    return 0


_MAX_DASH_SIGNATURE_LINES = 8


def _short_tail(tail: list[str]) -> bool:
    filled = [p for p in tail if p]
    return 0 < len(filled) <= _MAX_DASH_SIGNATURE_LINES and all(
        len(p) <= _MAX_SIGNATURE_LINE and p != "\x00" for p in filled
    )


def _signature_start(lines: list[str], *, quoted_ok: bool = True) -> int | None:
    """The first line of the signature that ends `lines`, if there is one.

    With quoted_ok False, `>`-quoted lines are content, never part of a signature.
    """
    if quoted_ok:
        plain = [_unquote(line).strip() for line in lines]
    else:
        plain = ["\x00" if _is_quoted(line) else line.strip() for line in lines]
    last = len(plain)
    while last and not plain[last - 1]:
        last -= 1
    for index in range(last):
        line = plain[index]
        if not line:
            continue
        after_blank = index == 0 or not plain[index - 1]
        if after_blank and _SIG_DELIMITER_RE.match(line):
            return index
        if line == "--" and index > 0 and _short_tail(plain[index + 1 : last]):
            return index  # "-- " / "--" right under the text: a signature if short
        tail = [p for p in plain[index + 1 : last] if p]
        if _MOBILE_SIG_RE.match(line) and len(tail) <= 2:
            return index
        if (
            _CLOSING_RE.match(line)
            and len(tail) <= _MAX_CLOSING_TAIL
            and all(len(p) <= _MAX_SIGNATURE_LINE for p in tail)
            and index > 0
        ):
            return index
    return None
