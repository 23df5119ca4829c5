"""Reply and note bodies as JSON, or as multipart/form-data carrying files.

One endpoint takes both (as Front's and Zendesk's do): JSON for text only, multipart when files
come along. Ninja parses one content type per operation, so these endpoints read the body here
and describe both shapes in the OpenAPI document themselves.
"""

from typing import Any

import pydantic
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import ValidationError

from carefront.conversations.services import NewAttachment
from carefront.core.exceptions import InvalidInput

from .errors import RequestTooLarge
from .parser import StrictParser

PARSER = StrictParser()
FILES_FIELD = "files"
# Room for the form fields and multipart boundaries around the files themselves.
MULTIPART_OVERHEAD = 1024 * 1024


def _validate[S: Schema](schema: type[S], data: Any, location: tuple[str, ...]) -> S:
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [
                {**error, "loc": (*location, *error["loc"])}
                for error in exc.errors(include_url=False, include_context=False)
            ]
        ) from exc


def parse_message_request[S: Schema](
    request: HttpRequest, schema: type[S]
) -> tuple[S, list[NewAttachment]]:
    """The validated fields and the uploaded files (none for a JSON body)."""
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        limit = settings.CAREFRONT["MAX_MESSAGE_BYTES"] + MULTIPART_OVERHEAD
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise RequestTooLarge(
                _("The request is %(size)s bytes; at most %(limit)s are accepted.")
                % {"size": length, "limit": limit}
            )
        posted = PARSER.parse_querydict(request.POST, [], request)  # refuses NUL, as for JSON
        fields = {
            name: posted[name] for name in schema.model_fields if posted.get(name) not in (None, "")
        }
        payload = _validate(schema, fields, ("form",))
        files = [
            NewAttachment(
                filename=upload.name or "",
                content_type=upload.content_type or "",
                file=upload,
                size=upload.size or 0,
            )
            for upload in request.FILES.getlist(FILES_FIELD)
        ]
        unexpected = set(request.FILES) - {FILES_FIELD}
        if unexpected:
            raise InvalidInput(
                _("Send files in the %(field)s field, not %(name)s.")
                % {"field": FILES_FIELD, "name": sorted(unexpected)[0]}
            )
        return payload, files
    try:
        data = PARSER.parse_body(request) if request.body else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("The request body is not valid JSON.")) from exc
    return _validate(schema, data, ("body", "payload")), []


def message_request_body(schema: type[Schema]) -> dict:
    """The OpenAPI `requestBody` for `parse_message_request`: JSON, or the same fields as
    multipart/form-data with any number of `files`."""
    json_schema = schema.model_json_schema()
    form_properties = {}
    for name, prop in json_schema.get("properties", {}).items():
        # A form field cannot be null: leave it out instead.
        options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
        form_properties[name] = {
            **options[0],
            **{k: v for k, v in prop.items() if k in ("description", "title")},
        }
    form_properties[FILES_FIELD] = {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "description": "Files to attach (any number of parts named `files`).",
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": json_schema},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": form_properties,
                        "required": json_schema.get("required", []),
                    }
                },
            },
        }
    }
