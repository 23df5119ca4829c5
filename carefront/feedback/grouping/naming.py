"""Names for themes from their most telling words: class-based TF-IDF (as BERTopic's
c-TF-IDF). A term tells a theme apart when it is frequent in the theme's comments and rare in
the others: weight = (its share of the theme's terms) x log(1 + average terms per theme / its
count in all themes)."""

import math
from collections import Counter

from .text import SurfaceForms, terms

NAME_WORDS = 3
KEYWORDS = 8
MAX_NAME_LENGTH = 120


def telling_words(groups: list[list[str]], *, top: int = KEYWORDS) -> list[list[str]]:
    """For each group of texts, its `top` most telling terms, best first, as written by the
    customers (the most frequent spelling of each stem)."""
    forms = SurfaceForms()
    counts: list[Counter[str]] = []
    for texts in groups:
        counter: Counter[str] = Counter()
        for text in texts:
            forms.add(text)
            counter.update(terms(text))
        counts.append(counter)
    overall: Counter[str] = Counter()
    for counter in counts:
        overall.update(counter)
    average = sum(overall.values()) / max(len(counts), 1)
    result = []
    for counter in counts:
        total = sum(counter.values()) or 1
        scored = sorted(
            (
                # Ties (tiny themes) go to the more frequent term, then alphabetically.
                (-(n / total) * math.log(1 + average / overall[term]), -n, term)
                for term, n in counter.items()
                if n >= 2 or len(counter) < 8
            ),
        )
        chosen: list[str] = []
        for _score, _n, term in scored:
            parts = set(term.split(" "))
            # "card arrival" says what "card" and "arrival" would: do not repeat words.
            if any(parts & set(other.split(" ")) for other in chosen):
                continue
            chosen.append(term)
            if len(chosen) == top:
                break
        result.append([forms.show(term) for term in chosen])
    return result


def theme_name(words: list[str]) -> str:
    name = ", ".join(words[:NAME_WORDS]) or "—"
    return name[:MAX_NAME_LENGTH]
