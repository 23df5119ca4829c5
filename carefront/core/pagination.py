"""Newest-first pages keyed on the id, for admin lists (held mail, webhook deliveries): the
page costs the rows it shows, wherever it starts, and the cursor is opaque to the reader."""

import base64
import json
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from .exceptions import InvalidInput

MAX_ID = 2**63 - 1


def cursor_encode(values: list) -> str:
    """An opaque page cursor: the JSON of the values, base64url without padding."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> object:
    """The values of `cursor_encode`; ValueError or TypeError for anything else (callers check
    the shape and answer InvalidInput)."""
    return json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))


@dataclass
class NewestFirstPage[M: Model]:
    items: list[M]
    next_cursor: str | None


def newest_first_page[M: Model](
    queryset: QuerySet[M], *, cursor: str | None, limit: int, kind: str
) -> NewestFirstPage[M]:
    """One page of `queryset`, highest id first. `kind` names the list in its cursors, so a
    cursor of one list is refused by another; a bad cursor is InvalidInput (a 400)."""
    if cursor:
        queryset = queryset.filter(pk__lt=_decode_cursor(cursor, kind=kind))
    rows = list(queryset.order_by("-pk")[: limit + 1])
    if len(rows) <= limit:
        return NewestFirstPage(items=rows, next_cursor=None)
    rows = rows[:limit]
    return NewestFirstPage(items=rows, next_cursor=_encode_cursor(rows[-1].pk, kind=kind))


def _encode_cursor(last_id: int, *, kind: str) -> str:
    return cursor_encode([kind, last_id])


def _decode_cursor(cursor: str, *, kind: str) -> int:
    try:
        values = cursor_decode(cursor)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The page cursor is not valid.")) from exc
    if not (
        isinstance(values, list)
        and len(values) == 2
        and values[0] == kind
        and isinstance(values[1], int)
        and not isinstance(values[1], bool)
        and 0 <= values[1] <= MAX_ID
    ):
        raise InvalidInput(_("The page cursor is not valid."))
    return values[1]
