"""Finding a customer's thanks to a named person: "Thanks Ana, that fixed it!".

A sentence counts when it holds a thanks word and one of the given first names as a word of its
own, written with a capital (unless the whole sentence is in lower case: "thx ana"), and is not
negative on the whole ("Thanks for nothing, Ana"). Each match says which sentence and words
made it, so the praise can be shown with its reason.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .sentiment import analyse_sentiment
from .tokens import fold, sentences, strip_accents, words

THANKS_WORDS = frozenset(
    str.split(
        # en
        "thank thanks thankyou thx thnx ty grateful appreciate appreciated kudos cheers "
        # de
        "danke dankeschön dank bedanke dankbar "
        # fr, es, it, pt, nl
        "merci gracias grazie obrigado obrigada bedankt"
    )
)
_MARKER = re.compile(
    r"thank|thx|thnx|grateful|apprecia|kudos|cheers|dank|merci|gracias|grazie|obrigad",
    re.IGNORECASE,
)
MIN_NAME_LENGTH = 2


@dataclass(frozen=True, slots=True)
class ThanksMatch:
    key: object  # what the caller passed the name for (an agent's id)
    name: str  # as written in the text
    sentence: str
    thanks_word: str


def has_thanks_marker(text: str) -> bool:
    """A cheap first test (one regular expression): could this text thank anyone?"""
    return bool(text) and _MARKER.search(text) is not None


def _key_name(name: str) -> str:
    return strip_accents(fold(name))


def find_thanks(text: str, names: Mapping[object, str]) -> list[ThanksMatch]:
    """The people among `names` ({key: first name}) that `text` thanks by name, at most one
    match each, in the order they are thanked."""
    if not has_thanks_marker(text):
        return []
    wanted: dict[str, list[object]] = {}
    for key, name in names.items():
        folded = _key_name(name or "")
        if len(folded) >= MIN_NAME_LENGTH:
            wanted.setdefault(folded, []).append(key)
    matches: list[ThanksMatch] = []
    seen: set[object] = set()
    for sentence in sentences(text):
        tokens = words(sentence)
        folded = [fold(t) for t in tokens]
        thanks = next((t for t, f in zip(tokens, folded, strict=True) if f in THANKS_WORDS), None)
        if thanks is None:
            continue
        lower_case_only = not any(c.isupper() for c in sentence)
        named = [
            (token, wanted[_key_name(token)])
            for token in tokens
            if _key_name(token) in wanted and (lower_case_only or token[:1].isupper())
        ]
        if not named or analyse_sentiment(sentence).is_negative:
            continue
        for token, keys in named:
            for key in keys:
                if key not in seen:
                    seen.add(key)
                    matches.append(ThanksMatch(key, token, sentence, thanks))
    return matches
