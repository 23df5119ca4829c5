"""Timeline messages rendered once and then served from the cache.

Rendering a message (linebreaks, dates in the viewer's format, the HTML frame, attachments) is
most of a conversation page's cost, yet a message never changes once written, save for a few
fields. The cache key holds everything the fragment shows that can differ (delivery status and
error, the author's name, the conversation it now belongs to, a parse warning), the viewer's
language and time zone, and a fingerprint of the template: a hit is exactly what a fresh render
would give, and nothing needs invalidating.
"""

import functools
import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import get_template
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from carefront.conversations.models import Attachment, Message

TEMPLATE = "web/includes/timeline_message.html"
CACHE_SECONDS = 7 * 24 * 3600


def _fingerprint() -> str:
    """Changes whenever the template or the frame stylesheet's (hashed) URL does. Computed once
    per process, except under DEBUG, where templates reload as they are edited."""
    if settings.DEBUG:
        return _template_fingerprint.__wrapped__()
    return _template_fingerprint()


@functools.cache
def _template_fingerprint() -> str:
    source = get_template(TEMPLATE).template.source
    return hashlib.blake2b(
        f"{source}\0{static('web/message-frame.css')}".encode(), digest_size=8
    ).hexdigest()


def _cache_key(message: Message, *, language: str, zone: str) -> str:
    author = message.author.name if message.author_id and message.author else ""
    parts = (
        _fingerprint(),
        language,
        zone,
        message.pk,
        message.created_at.isoformat(),  # ids are reused by test databases and restores
        message.conversation_id,
        message.delivery_status,
        message.delivery_error,
        message.parse_warning,
        message.raw_id,
        author,
    )
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"timeline-message:{digest}"


def render_timeline_messages(messages: Sequence[Message]) -> None:
    """Set `html` on each message: from the cache, or rendered (and cached) when missing.

    Attachments are loaded only for the messages that must be rendered, so a page whose
    messages are all cached runs one query fewer.
    """
    if not messages:
        return
    language = translation.get_language() or ""
    zone = timezone.get_current_timezone_name()
    keys = {message.pk: _cache_key(message, language=language, zone=zone) for message in messages}
    found = cache.get_many(list(keys.values()))
    missing = [message for message in messages if keys[message.pk] not in found]
    if missing:
        prefetch_related_objects(
            missing, Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
        )
        template = get_template(TEMPLATE)
        rendered = {keys[m.pk]: template.render({"item": m}) for m in missing}
        cache.set_many(rendered, timeout=CACHE_SECONDS)
        found.update(rendered)
    for message in messages:
        # The fragment was produced by our own autoescaping template.
        message.html = mark_safe(found[keys[message.pk]])
