"""The documentation that ships with Carefront (`docs/*.md`), rendered to HTML for /docs/.

The Markdown files are ours, but raw HTML in them is still escaped (markdown-it's `html` option
is off), so a careless edit can never put markup or script into the agent workspace. Links
between the files (`[x](api.md#errors)`) become links to the served pages.
"""

import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from markdown_it import MarkdownIt
from markdown_it.token import Token

# A doc's name is its file name without `.md`; nothing else is ever looked up on disk.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DOC_LINK = re.compile(r"^(?:\./)?(?P<name>[a-z0-9][a-z0-9_-]*)\.md(?P<anchor>#[^\s]*)?$")


@dataclass(frozen=True)
class Doc:
    name: str
    title: str
    html: str


def docs_dir() -> Path | None:
    """Where the docs are: `CAREFRONT_DOCS_DIR` if set, else the checkout's `docs/` (the usual
    editable install), else `<prefix>/share/carefront/docs`, where a wheel puts them."""
    configured = getattr(settings, "CAREFRONT_DOCS_DIR", None)
    candidates = (
        [Path(configured)]
        if configured
        else [Path(settings.BASE_DIR) / "docs", Path(sys.prefix) / "share" / "carefront" / "docs"]
    )
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


def doc_names() -> list[str]:
    directory = docs_dir()
    if directory is None:
        return []
    return sorted(
        path.stem
        for path in directory.glob("*.md")
        if path.is_file() and NAME_PATTERN.match(path.stem)
    )


def doc_list() -> list[Doc]:
    """Every doc with its title (its first heading), for the index; `html` is left empty."""
    return [Doc(name=name, title=doc_get(name).title, html="") for name in doc_names()]


def doc_get(name: str) -> Doc | None:
    """The rendered doc called `name`, or None. Only names listed in the docs folder are read,
    so no path from the URL ever reaches the file system."""
    if not NAME_PATTERN.match(name) or name not in doc_names():
        return None
    path = docs_dir() / f"{name}.md"
    stat = path.stat()
    return _render(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _render(path: str, mtime_ns: int, size: int) -> Doc:
    # Keyed on the file's mtime and size: an edited doc is rendered again, an unchanged one not.
    text = Path(path).read_text(encoding="utf-8")
    markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    tokens = markdown.parse(text)
    title = _anchor_headings(tokens) or Path(path).stem
    _rewrite_doc_links(tokens)
    html = markdown.renderer.render(tokens, markdown.options, {})
    return Doc(name=Path(path).stem, title=title, html=html)


def _slug(text: str) -> str:
    """GitHub's heading anchors, which the docs' own `file.md#anchor` links were written for."""
    slug = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return slug.replace(" ", "-")


def _anchor_headings(tokens: list[Token]) -> str:
    """Give every heading an id; return the first heading's text (the doc's title)."""
    title = ""
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = tokens[index + 1].content
        title = title or text
        slug = _slug(text)
        if slug in seen:
            seen[slug] += 1
            slug = f"{slug}-{seen[slug]}"
        else:
            seen[slug] = 0
        token.attrSet("id", slug)
    return title


def _rewrite_doc_links(tokens: list[Token]) -> None:
    for token in tokens:
        for child in token.children or ():
            if child.type != "link_open":
                continue
            match = DOC_LINK.match(str(child.attrGet("href") or ""))
            if match:
                url = reverse("web:doc", args=[match["name"]]) + (match["anchor"] or "")
                child.attrSet("href", url)
