"""Custom attributes of a customer: a flat object of named scalars that integrations set
(`plan: "gold"`, `seats: 12`, `vip: true`), checked the same way wherever they are written."""

import math
import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from carefront.core.exceptions import InvalidInput

MAX_ATTRIBUTES = 100
MAX_ATTRIBUTE_KEY_LENGTH = 64
MAX_ATTRIBUTE_TEXT_LENGTH = 1000
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _clean_attribute_value(key: str, value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        # JSON numbers beyond 2^53 lose precision in most clients; refuse rather than corrupt.
        if abs(value) > 2**53:
            raise InvalidInput(_("The number in %(key)s is too large.") % {"key": key})
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(_("%(key)s must be a finite number.") % {"key": key})
        return value
    if isinstance(value, str):
        if len(value) > MAX_ATTRIBUTE_TEXT_LENGTH:
            raise InvalidInput(
                _("The text in %(key)s is longer than %(n)s characters.")
                % {"key": key, "n": MAX_ATTRIBUTE_TEXT_LENGTH}
            )
        return value.replace("\x00", "")
    raise InvalidInput(
        _("%(key)s must be text, a number or true/false (or null to remove it).") % {"key": key}
    )


def merge_attributes(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`current` with `changes` applied key by key: a value sets the key, None removes it."""
    if not isinstance(changes, Mapping):
        raise InvalidInput(_("attributes must be an object."))
    merged = dict(current)
    for key, value in changes.items():
        if (
            not isinstance(key, str)
            or len(key) > MAX_ATTRIBUTE_KEY_LENGTH
            or not ATTRIBUTE_KEY.match(key)
        ):
            raise InvalidInput(
                _(
                    "%(key)r is not a valid attribute name: use letters, digits and _, "
                    "starting with a letter or _, at most %(n)s characters."
                )
                % {"key": key, "n": MAX_ATTRIBUTE_KEY_LENGTH}
            )
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _clean_attribute_value(key, value)
    if len(merged) > MAX_ATTRIBUTES:
        raise InvalidInput(
            _("A customer has at most %(n)s custom attributes.") % {"n": MAX_ATTRIBUTES}
        )
    return merged


def check_attributes(attributes: Any) -> None:
    """Raise InvalidInput unless `attributes` is a valid set of attributes as a whole."""
    if not isinstance(attributes, Mapping):
        raise InvalidInput(_("attributes must be an object."))
    if any(value is None for value in attributes.values()):
        raise InvalidInput(_("An attribute value cannot be null."))
    merge_attributes({}, attributes)
