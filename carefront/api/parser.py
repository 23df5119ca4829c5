"""The API's request parser: JSON bodies and query strings, refusing the NUL character.

PostgreSQL cannot store U+0000 in text, and no help-desk text needs it; refusing it here, for
every endpoint, turns what would be a database error (a 500) into a clear 400.
"""

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja.parser import Parser

from carefront.core.exceptions import InvalidInput

NUL = "\x00"


def _nul_error(where: str) -> InvalidInput:
    return InvalidInput(
        _("Text may not contain the NUL character (U+0000): %(where)s.") % {"where": where}
    )


def _check(value: Any, path: str) -> None:
    if isinstance(value, str):
        if NUL in value:
            raise _nul_error(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in str(key):
                raise _nul_error(path)
            _check(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}.{index}")


class StrictParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        # In JSON, NUL can only be written as an escape: skip the walk when there is none.
        if b"\\u0000" in request.body:
            _check(data, "body")
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        for key, value in result.items():
            _check(value, f"query.{key}")
        return result
