"""Files agents attach to a reply or a note: checked against the app's limits, stored
content-addressed like received attachments (one copy per distinct content)."""

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from carefront.core.exceptions import InvalidInput

from ..models import Attachment, Message

MAX_FILES_PER_MESSAGE = 20
CHUNK_SIZE = 1024 * 1024
_CONTENT_TYPE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$"
)


@dataclass(frozen=True, slots=True)
class NewAttachment:
    """A file to attach: its name as the customer will see it, its type and its content."""

    filename: str
    content_type: str
    file: IO[bytes]
    size: int


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        return "attachment"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 254 - len(ext)]}.{ext}" if dot and len(ext) <= 16 else name[:255]
    return name


def clean_content_type(content_type: str) -> str:
    value = (content_type or "").split(";")[0].strip().lower()
    return value if _CONTENT_TYPE.match(value) else "application/octet-stream"


def check_attachments(files: Sequence[NewAttachment]) -> None:
    """Raise InvalidInput unless the files fit the limits: per file `MAX_ATTACHMENT_BYTES`,
    per message `MAX_MESSAGE_BYTES` and `MAX_FILES_PER_MESSAGE` files."""
    limit = settings.CAREFRONT["MAX_ATTACHMENT_BYTES"]
    total_limit = settings.CAREFRONT["MAX_MESSAGE_BYTES"]
    if len(files) > MAX_FILES_PER_MESSAGE:
        raise InvalidInput(
            _("At most %(n)s files can be attached to one message.") % {"n": MAX_FILES_PER_MESSAGE}
        )
    for item in files:
        if item.size > limit:
            raise InvalidInput(
                _("%(name)s is %(size)s bytes; a file may be at most %(limit)s bytes.")
                % {"name": clean_filename(item.filename), "size": item.size, "limit": limit}
            )
    total = sum(item.size for item in files)
    if total > total_limit:
        raise InvalidInput(
            _("The files add up to %(size)s bytes; a message may carry at most %(limit)s bytes.")
            % {"size": total, "limit": total_limit}
        )


def _hash(handle: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    handle.seek(0)
    while chunk := handle.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size


def attachments_store(*, message: Message, files: Sequence[NewAttachment]) -> list[Attachment]:
    """Write the files and their rows for `message`. Call `check_attachments` first."""
    rows = []
    for item in files:
        digest, size = _hash(item.file)
        name = f"attachments/{digest[:2]}/{digest}"
        if not default_storage.exists(name):
            name = default_storage.save(name, File(item.file))
        attachment = Attachment(
            message=message,
            filename=clean_filename(item.filename),
            content_type=clean_content_type(item.content_type),
            size=size,
            sha256=digest,
        )
        attachment.file.name = name
        rows.append(attachment)
    return Attachment.objects.bulk_create(rows) if rows else []
