"""Make email HTML safe to show (nh3), and turn it into plain text for search and previews."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

# Formatting that mail clients use; nothing that runs code, loads remote content or styles pages.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type"},
    "li": {"value"},
    "blockquote": {"cite", "type"},
    "table": {"summary"},
    "abbr": {"title"},
}
# Removed together with their content (the text inside is never meant to be read).
REMOVED_WITH_CONTENT = {"script", "style", "head", "title", "template", "noscript", "iframe"}
URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}
_LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:", "#")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "src":
        # No remote images (tracking pixels, leaks): only embedded ones. `cid:` sources stay as
        # they are; the web UI rewrites them to the attachment's URL.
        lowered = value.strip().lower()
        if lowered.startswith("cid:") or lowered.startswith("data:image/"):
            return value
        return None
    if attribute == "href":
        lowered = value.strip().lower()
        if lowered.startswith(_LINK_SCHEMES) or ":" not in lowered.split("/", 1)[0]:
            return value
        return None
    return value


def html_sanitize(html: str) -> str:
    """Keep formatting, links (rel=noopener noreferrer) and embedded images; drop everything
    that can run code or reach the network (script, style, event handlers, javascript: URLs)."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "ul",
    "ol", "dl", "dt", "dd", "hr", "blockquote",
}  # fmt: skip
_BLANK_LINES_RE = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_SPACES_RE = re.compile(r"[ \t\r\f\v\xa0]+")


class _TextExtractor(HTMLParser):
    """Plain text from (sanitised) HTML; blockquotes become `>` lines so quote detection works."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.pre_depth = 0

    def _flush(self) -> None:
        text = "".join(self.current)
        self.current = []
        prefix = "> " * self.quote_depth
        if self.pre_depth:
            self.lines.extend(prefix + line for line in text.split("\n"))
            return
        text = _SPACES_RE.sub(" ", text.replace("\n", " ")).strip()
        self.lines.append(prefix + text if text or not prefix else prefix.rstrip())

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "blockquote":
            self.quote_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        elif tag in {"td", "th"}:
            self.current.append(" ")
        elif tag == "li":
            self.current.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1
        elif tag == "pre" and self.pre_depth:
            self.pre_depth -= 1

    def handle_data(self, data: str) -> None:
        self.current.append(data)


def html_to_text(html: str) -> str:
    if not html:
        return ""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        # HTMLParser gives up on some broken markup; tags stripped the crude way still read.
        return html_lib.unescape(re.sub(r"<[^>]*>", " ", html)).strip()
    parser._flush()
    text = "\n".join(parser.lines)
    return _BLANK_LINES_RE.sub("\n\n", text).strip()
