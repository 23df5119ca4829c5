"""Split an email's text into the new reply, the quoted thread below it, and the signature."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExtractedReply:
    reply: str
    quoted: str = ""
    signature: str = ""


_QUOTE_HEADER_RE = re.compile(
    r"^\s*(?:-{2,}\s*Original Message\s*-{2,}|On .{1,300} wrote:|>)", re.IGNORECASE
)
_SIGNATURE_RE = re.compile(r"^(?:-- ?|Sent from my .*)$")


def extract_reply(text: str) -> ExtractedReply:
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        if _QUOTE_HEADER_RE.match(line):
            cut = index
            break
    reply_lines, quoted = lines[:cut], "\n".join(lines[cut:]).strip()
    signature = ""
    for index, line in enumerate(reply_lines):
        if _SIGNATURE_RE.match(line):
            signature = "\n".join(reply_lines[index:]).strip()
            reply_lines = reply_lines[:index]
            break
    return ExtractedReply(reply="\n".join(reply_lines).strip(), quoted=quoted, signature=signature)
