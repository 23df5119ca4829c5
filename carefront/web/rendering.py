"""Turning stored message HTML into a document for a sandboxed frame.

Message HTML was sanitised with nh3 when it arrived. It is still shown inside
`<iframe sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox" srcdoc=...>`:
no script can run there (no `allow-scripts`, and the page's CSP is inherited by srcdoc frames),
its styles cannot leak into the agent workspace, and links open in a new tab. `allow-same-origin`
is only there so that our own script in the page can size the frame to its content.
"""

import re

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape

_CID = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)


def _normalize_cid(value: str) -> str:
    return value.strip().strip("<>").strip().lower()


def rewrite_cid_urls(html: str, attachments) -> str:
    """`src="cid:logo@x"` -> the access-checked download URL of that inline attachment."""
    urls = {
        _normalize_cid(a.content_id): reverse("web:attachment", args=[a.pk])
        for a in attachments
        if a.content_id
    }

    def replace(match: re.Match) -> str:
        url = urls.get(_normalize_cid(match.group(1)))
        # An unknown cid becomes an empty reference rather than a request to a foreign scheme.
        return url if url is not None else "about:blank"

    return _CID.sub(replace, html)


def message_srcdoc(message) -> str:
    """A whole HTML document for the `srcdoc` attribute (the template escapes it)."""
    body = rewrite_cid_urls(message.body_html, message.attachments.all())
    stylesheet = escape(static("web/message-frame.css"))
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<base target="_blank">'
        f'<link rel="stylesheet" href="{stylesheet}">'
        f"</head><body>{body}</body></html>"
    )
