"""Article Markdown to safe HTML: CommonMark (markdown-it, tables and strikethrough on) with
raw HTML allowed by the parser, then everything cleaned by nh3 against a short allow-list.
Nothing an author (or an attacker who got an agent's account) writes can run script, load a
foreign frame, style the page or use a `javascript:` link."""

import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li",
    "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_TAG = re.compile(r"<[^>]+>")


def markdown_to_html(text: str) -> str:
    html = _markdown.render((text or "").replace("\x00", ""))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def markdown_to_text(text: str) -> str:
    """Plain text of the rendered article (snippets, embeddings, meta descriptions)."""
    html = _markdown.render((text or "").replace("\x00", ""))
    plain = nh3.clean(html, tags=set(), attributes={})
    plain = _TAG.sub(" ", plain)
    import html as html_module

    return re.sub(r"\s+", " ", html_module.unescape(plain)).strip()


def snippet(text: str, *, length: int = 200) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut + "\u2026"


def _cached(kind: str, article, build) -> str:
    """A rendering of one revision of an article, kept in the cache: the revision number
    changes with every change of the text, so an entry never goes stale."""
    from django.core.cache import cache

    key = f"knowledge:{kind}:{article.pk}:{article.revision}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, 24 * 3600)
    return value


def article_html(article) -> str:
    return _cached("html", article, lambda: markdown_to_html(article.body))


def article_snippet(article, *, length: int = 200) -> str:
    """The summary, else the start of the body as plain text."""
    if article.summary:
        return article.summary
    return _cached(
        f"snippet{length}",
        article,
        lambda: snippet(markdown_to_text(article.body[:3000]), length=length),
    )
