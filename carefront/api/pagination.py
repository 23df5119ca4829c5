"""Keyset pagination for the API's own lists (messages, customers, inboxes, teams, ...).

Conversations page through their selector; these lists order on `(key, id)`, ascending or
descending, with the same opaque cursor format: the page costs the same wherever it starts. A
cursor names the order it was made for, and is refused (400) by a list sorted another way.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from carefront.conversations.selectors import after_keyset
from carefront.core.exceptions import InvalidInput
from carefront.core.pagination import cursor_decode, cursor_encode

MAX_ID = 2**63 - 1


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(values: list) -> str:
    return cursor_encode(values)


def decode_cursor(cursor: str, *, order: str) -> tuple[Any, int]:
    """`(value, id)` of a cursor made for `order`; InvalidInput for anything else."""
    try:
        values = cursor_decode(cursor)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The page cursor is not valid.")) from exc
    if (
        not isinstance(values, list)
        or len(values) != 3
        or not isinstance(values[0], str)
        or not isinstance(values[2], int)
        or isinstance(values[2], bool)
        or not 0 <= values[2] <= MAX_ID
    ):
        raise InvalidInput(_("The page cursor is not valid."))
    if values[0] != order:
        raise InvalidInput(_("The page cursor belongs to another sort order."))
    return values[1], values[2]


def _as_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise TypeError(value)
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(value)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError(value) from exc


def _as_text(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise TypeError(value)
    return value


def _as_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_ID:
        raise TypeError(value)
    return value


PARSERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _as_datetime,
    "text": _as_text,
    "int": _as_int,
}


def keyset_page(
    qs: QuerySet,
    *,
    key: str,
    kind: str,
    cursor: str | None,
    limit: int,
    descending: bool = False,
    order: str | None = None,
) -> Page:
    """One page of `qs` ordered by `(key, id)`; `kind` says how to read the key from a cursor,
    `order` names the order in cursors (default: the key, with `-` when descending)."""
    order = order or (f"-{key}" if descending else key)
    if cursor:
        raw_value, last_id = decode_cursor(cursor, order=order)
        try:
            value = PARSERS[kind](raw_value)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(_("The page cursor is not valid.")) from exc
        if key == "id":
            qs = qs.filter(**{"id__lt" if descending else "id__gt": last_id})
        else:
            qs = qs.filter(after_keyset(key, value, last_id, descending=descending))
    ordering = [f"-{key}", "-id"] if descending else [key, "id"]
    if key == "id":
        ordering = ordering[1:]
    rows = list(qs.order_by(*ordering)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([order, *_cursor_values(rows[-1], key)])
    return Page(items=rows, next_cursor=next_cursor)


def _cursor_values(row: Model, key: str) -> list:
    value = getattr(row, key)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    return [value, row.pk]
