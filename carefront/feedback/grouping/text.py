"""Words of a comment, for lexical vectors and for naming themes."""

import re
from collections import Counter
from itertools import pairwise

_WORD = re.compile(r"[^\W\d_][\w']*", re.UNICODE)

# Function words of the languages the surveys are sent in (en, de, fr, es) and the filler of
# feedback ("please", "thanks"): they say nothing about what a comment is about.
_STOPWORDS_TEXT = """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each few for from further had hadn't has hasn't have haven't having he
    her here hers herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its
    itself just let's me more most mustn't my myself no nor not now of off on once only or other
    ought our ours ourselves out over own same shan't she should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll they're
    they've this those through to too under until up very was wasn't we we'd we'll we're we've
    were weren't what what's when where which while who whom why will with won't would wouldn't
    you you'd you'll you're you've your yours yourself yourselves also get got still yet even
    really much many one two like im ive dont cant didnt doesnt please thanks thank hi hello hey
    ok okay us via der die das und ist nicht ein eine einen dem den des ich sie wir es zu mit auf
    für von war aber auch noch sehr wie bei hat habe haben mein meine mir mich dass oder nur schon
    le la les et est un une du de en pas que qui pour dans sur avec mon ma mes je nous vous ce il
    elle au aux très mais plus el los las y una unos del al por para con mi mis yo muy pero más se
    lo
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def words(text: str) -> list[str]:
    """Lower-cased words of `text` without stop words and one-letter words."""
    return [
        w
        for w in (m.group(0).lower().strip("'") for m in _WORD.finditer(text))
        if len(w) > 1 and w not in STOPWORDS
    ]


def stem(word: str) -> str:
    """A light English plural stem ("cards" → "card", "charges" → "charge"): enough to count
    "refund" and "refunds" as one term, without a stemmer's mangled names."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str, *, bigrams: bool = True) -> list[str]:
    """The terms a comment is counted by: stemmed words, and pairs of adjacent words."""
    stems = [stem(w) for w in words(text)]
    if not bigrams:
        return stems
    return stems + [f"{a} {b}" for a, b in pairwise(stems) if a != b]


class SurfaceForms:
    """Remembers how each stem was written most often, to name a theme with real words."""

    def __init__(self) -> None:
        self._seen: dict[str, Counter[str]] = {}

    def add(self, text: str) -> None:
        for w in words(text):
            self._seen.setdefault(stem(w), Counter())[w] += 1

    def show(self, term: str) -> str:
        return " ".join(
            self._seen[part].most_common(1)[0][0] if part in self._seen else part
            for part in term.split(" ")
        )
