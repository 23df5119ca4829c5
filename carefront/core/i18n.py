"""Which of the languages Carefront speaks (settings.LANGUAGES) fits a language tag."""

import re

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

# BCP 47 as people write it: en, de-AT, pt-BR, zh-Hant-TW.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")


def base_language(tag: str) -> str:
    """The primary language of a tag, lower-case: "de-AT" → "de"; "" for none."""
    return (tag or "").strip().replace("_", "-").split("-")[0].lower()


def supported_language(tag: str) -> str:
    """The supported language for a tag such as "de", "de-AT" or "pt_BR"; "" if none fits.

    A regional tag falls back to its base language ("de-AT" → "de")."""
    tag = (tag or "").strip().replace("_", "-").lower()
    if not tag:
        return ""
    try:
        return get_supported_language_variant(tag)
    except LookupError:
        return ""


def first_supported_language(*tags: str) -> str:
    """The first tag Carefront can write in, else the site's language (LANGUAGE_CODE)."""
    for tag in tags:
        language = supported_language(tag)
        if language:
            return language
    return settings.LANGUAGE_CODE


def browser_language(request: HttpRequest) -> str:
    """The first language of the browser's Accept-Language that Carefront speaks; "" if none.

    Unlike `get_language_from_request`, says when nothing fits (instead of LANGUAGE_CODE), so
    that a caller can let the next preference decide."""
    header = request.headers.get("Accept-Language", "")
    for tag, _quality in parse_accept_lang_header(header[:1000]):
        if tag != "*":
            language = supported_language(tag)
            if language:
                return language
    return ""


def language_choices() -> list[tuple[str, str]]:
    """For forms: the languages Carefront writes customer-facing text in."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]
