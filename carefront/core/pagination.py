"""Keyset pages: the page costs the rows it shows, wherever it starts, and the cursor is opaque
to the reader. `newest_first_page` for lists keyed on the id alone (held mail, webhook
deliveries); `keyset_cursor_decode` for lists keyed on a value and the id."""

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


def is_row_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def aware_datetime(value: Any) -> dt.datetime:
    """A keyset cursor's timestamp: ISO 8601 with its offset (ValueError/TypeError otherwise)."""
    when = dt.datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError(value)
    return when


def iso_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value)


def row_count(value: Any) -> int:
    """A keyset cursor's count (a theme's comments, a gap's customers)."""
    if not is_row_id(value):
        raise ValueError(value)
    return value


def keyset_cursor_decode[T](cursor: str, *, kind: str, key: Callable[[Any], T]) -> tuple[T, int]:
    """The (sort value, id) of a cursor `cursor_encode([kind, value, id])`. `key` parses the
    value (`aware_datetime`, `iso_date`, `row_count`) and raises ValueError or TypeError for a
    bad one. Anything else, or a cursor of another list, is InvalidInput (a 400)."""
    try:
        values = cursor_decode(cursor)
        if not (
            isinstance(values, list)
            and len(values) == 3
            and values[0] == kind
            and is_row_id(values[2])
        ):
            raise ValueError(values)
        return key(values[1]), values[2]
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput(_("The page cursor is not valid.")) from exc


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
        isinstance(values, list) and len(values) == 2 and values[0] == kind and is_row_id(values[1])
    ):
        raise InvalidInput(_("The page cursor is not valid."))
    return values[1]
