"""The shared page-cursor codec: what a keyset list accepts back, and what it refuses (a 400)."""

import datetime as dt

import pytest

from carefront.core.exceptions import InvalidInput
from carefront.core.pagination import (
    MAX_ID,
    aware_datetime,
    cursor_encode,
    iso_date,
    keyset_cursor_decode,
    row_count,
)

AT = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("values", "key", "expected"),
    [
        (["reviews", AT.isoformat(), 7], aware_datetime, (AT, 7)),
        (["reviews", "2026-03-02", MAX_ID], iso_date, (dt.date(2026, 3, 2), MAX_ID)),
        (["reviews", 0, 1], row_count, (0, 1)),
    ],
)
def test_a_cursor_of_the_list_round_trips(values, key, expected):
    assert keyset_cursor_decode(cursor_encode(values), kind="reviews", key=key) == expected


@pytest.mark.parametrize(
    ("cursor", "key"),
    [
        (cursor_encode(["themes", 3, 7]), row_count),  # another list's cursor
        (cursor_encode(["reviews", "2026-03-01T12:00:00", 7]), aware_datetime),  # no offset
        (cursor_encode(["reviews", "yesterday", 7]), aware_datetime),
        (cursor_encode(["reviews", None, 7]), aware_datetime),
        (cursor_encode(["reviews", -1, 7]), row_count),
        (cursor_encode(["reviews", True, 7]), row_count),
        (cursor_encode(["reviews", 3, True]), row_count),  # a bool is not an id
        (cursor_encode(["reviews", 3, -1]), row_count),
        (cursor_encode(["reviews", 3, MAX_ID + 1]), row_count),
        (cursor_encode(["reviews", 3, "7"]), row_count),
        (cursor_encode(["reviews", 3]), row_count),
        (cursor_encode({"reviews": 3}), row_count),
        (cursor_encode(["reviews", "9" * 5000, 7]), iso_date),
        ("not base64 at all!", row_count),
        ("", row_count),
    ],
)
def test_anything_else_is_invalid_input(cursor, key):
    with pytest.raises(InvalidInput):
        keyset_cursor_decode(cursor, kind="reviews", key=key)
