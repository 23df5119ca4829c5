"""Keyset pagination for the API's own lists (messages, customers, inboxes).

Conversations page through their selector; these lists order on `(key, id)` ascending and use
the same opaque cursor format: the page costs the same wherever it starts.
"""

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from carefront.core.exceptions import InvalidInput


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The page cursor is not valid.")) from exc
    if not isinstance(values, list) or len(values) != 2 or not isinstance(values[1], int):
        raise InvalidInput(_("The page cursor is not valid."))
    return values


def _as_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise TypeError(value)
    return dt.datetime.fromisoformat(value)


def _as_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _as_int(value: Any) -> int:
    if not isinstance(value, int):
        raise TypeError(value)
    return value


PARSERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _as_datetime,
    "text": _as_text,
    "int": _as_int,
}


def keyset_page(qs: QuerySet, *, key: str, kind: str, cursor: str | None, limit: int) -> Page:
    """One page of `qs` ordered by `(key, id)`; `kind` says how to read the key from a cursor."""
    if cursor:
        raw_value, last_id = _decode(cursor)
        try:
            value = PARSERS[kind](raw_value)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(_("The page cursor is not valid.")) from exc
        if key == "id":
            qs = qs.filter(id__gt=last_id)
        else:
            qs = qs.filter(Q(**{f"{key}__gt": value}) | Q(**{key: value, "id__gt": last_id}))
    rows = list(qs.order_by(key, "id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode(_cursor_values(rows[-1], key))
    return Page(items=rows, next_cursor=next_cursor)


def _cursor_values(row: Model, key: str) -> list:
    value = getattr(row, key)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    return [value, row.pk]
