"""Downloads: attachments and raw originals, only through a conversation the agent may see."""

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carefront.conversations.models import Message
from carefront.conversations.selectors import access_attachment, conversations_visible_to
from carefront.core.exceptions import NotFound
from carefront.web.errors import agent_view

# Shown inline (in the timeline and in message frames). SVG is missing on purpose: it can script.
INLINE_CONTENT_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _harden(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser rendered it, the file could not run scripts or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@agent_view
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = access_attachment(actor=request.user, attachment_id=attachment_id)
    content_type = attachment.content_type.lower().split(";")[0].strip()
    inline = content_type in INLINE_CONTENT_TYPES
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("The file of this attachment is missing.")) from exc
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=content_type if inline else "application/octet-stream",
    )
    return _harden(response)


@require_GET
@agent_view
def raw_message_download(
    request: HttpRequest, conversation_id: int, message_id: int
) -> HttpResponse:
    message = (
        Message.objects.filter(
            pk=message_id,
            conversation_id=conversation_id,
            conversation__in=conversations_visible_to(actor=request.user),
            raw__isnull=False,
        )
        .select_related("raw")
        .first()
    )
    if message is None:
        raise NotFound(_("The original of this message is not stored."))
    response = HttpResponse(bytes(message.raw.data), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="message-{message.pk}.eml"'
    return _harden(response)
