"""Attachments: metadata, and the file itself, only through a conversation the caller sees."""

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router

from carefront.conversations.selectors import access_attachment
from carefront.core.exceptions import NotFound

from ..auth import caller
from ..schemas import ErrorOut, Id, ValidationErrorOut
from ..schemas_extra import AttachmentDetailOut
from ..serializers_extra import attachment_out

router = Router(tags=["attachments"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
DOWNLOAD_DOC = {
    "responses": {
        200: {
            "description": "The file, as a download (`Content-Disposition: attachment`).",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}


@router.get("/attachments/{attachment_id}", response={200: AttachmentDetailOut, **ERRORS})
def get_attachment(request: HttpRequest, attachment_id: Path[Id]):
    return attachment_out(access_attachment(actor=caller(request), attachment_id=attachment_id))


@router.get(
    "/attachments/{attachment_id}/download",
    response=ERRORS,
    url_name="attachment_download",
    openapi_extra=DOWNLOAD_DOC,
)
def download_attachment(request: HttpRequest, attachment_id: Path[Id]):
    """The file's bytes, always as `application/octet-stream` with `nosniff`: a browser saves
    it and never renders it (its real type is in the metadata)."""
    attachment = access_attachment(actor=caller(request), attachment_id=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("The file of this attachment is missing.")) from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response
