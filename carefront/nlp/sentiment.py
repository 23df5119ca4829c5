"""Lexicon sentiment for short customer texts (rating comments, messages): a score from -1 to
+1, a label, and the words that drove it, so that whoever reads "negative" can see why.

The method is VADER's (Hutto & Gilbert, 2014) reduced to what customer comments need: word and
phrase valences, a negation in the three words before a word flips and dampens it ("not good"),
German verbs negated after them ("hilft nicht"), boosters scale the next word ("very", "sehr",
"slightly"), after "but"/"aber" a sentence's tail counts more than its head, exclamation marks
and shouting (ALL CAPS) add weight. The sum is squashed to [-1, 1] with x / sqrt(x² + 15).
Languages without a lexicon give the label "unknown" rather than a guess.
"""

import math
from dataclasses import dataclass

from .language import UNKNOWN, detect_language
from .lexicon import LEXICONS, Lexicon
from .tokens import clauses, fold, sentences, words

NEGATION_FACTOR = -0.74
NEGATION_REACH = 3
CONTRAST_BEFORE, CONTRAST_AFTER = 0.5, 1.5
SHOUT_FACTOR = 1.3
EXCLAMATION_STEP, EXCLAMATION_MAX = 0.1, 4
NORMALISE_ALPHA = 15.0
# |score| below this is "neutral" (VADER's threshold).
NEUTRAL_BELOW = 0.05
MAX_TEXT = 5000  # characters scored: a comment, or the start of a long message


@dataclass(frozen=True, slots=True)
class Driver:
    """One word or phrase that moved the score: as written, its contribution, and why it
    counts the way it does ("negated", "boosted", "after but", "shouted")."""

    text: str
    weight: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sentiment:
    language: str
    score: float  # -1 (very negative) … +1 (very positive); 0 when unknown
    label: str  # "positive" | "neutral" | "negative" | "unknown"
    drivers: tuple[Driver, ...] = ()

    @property
    def is_negative(self) -> bool:
        return self.label == "negative"

    def explain(self, limit: int = 5) -> str:
        """The strongest drivers, e.g. `"not good" -1.41, "slow" -1.50`."""
        strongest = sorted(self.drivers, key=lambda d: abs(d.weight), reverse=True)[:limit]
        return ", ".join(f"“{d.text}” {d.weight:+.2f}" for d in strongest)


def _label(score: float) -> str:
    if score >= NEUTRAL_BELOW:
        return "positive"
    if score <= -NEUTRAL_BELOW:
        return "negative"
    return "neutral"


def _match_phrase(lexicon: Lexicon, folded: list[str], i: int) -> tuple[int, float] | None:
    for phrase, value in lexicon.phrases_by_first_word.get(folded[i], ()):
        n = len(phrase)
        if tuple(folded[i : i + n]) == phrase:
            return n, value
    return None


def _clause_drivers(
    lexicon: Lexicon, tokens: list[str], *, shouting_allowed: bool
) -> list[tuple[int, Driver]]:
    """(position, driver) for each scored word or phrase of one clause."""
    folded = [fold(t) for t in tokens]
    found: list[tuple[int, Driver]] = []
    i = 0
    while i < len(tokens):
        phrase = _match_phrase(lexicon, folded, i)
        if phrase is not None:
            n, value = phrase
            if value:
                found.append((i, Driver(" ".join(tokens[i : i + n]), value)))
            i += n
            continue
        value = lexicon.valence.get(folded[i]) or lexicon.valence.get(tokens[i])
        if not value:
            i += 1
            continue
        notes: list[str] = []
        start = i
        # Boosters right before ("very good", "sehr sehr gut").
        j = i - 1
        while j >= 0 and folded[j] in lexicon.boosters:
            value *= lexicon.boosters[folded[j]]
            notes.append("boosted" if lexicon.boosters[folded[j]] > 1 else "softened")
            start = j
            j -= 1
        # A negation in the few words before ("not good", "not very helpful", "nicht gut").
        window = range(max(0, i - NEGATION_REACH), i)
        negator = next((k for k in reversed(window) if folded[k] in lexicon.negations), None)
        end = i + 1
        if negator is None and folded[i] in lexicon.negated_after:
            # "Das hilft mir nicht": the negation follows the German verb.
            after = range(i + 1, min(len(tokens), i + 1 + NEGATION_REACH))
            negator = next((k for k in after if folded[k] in lexicon.negations), None)
            if negator is not None:
                end = negator + 1
        elif negator is not None:
            start = min(start, negator)
        if negator is not None:
            value *= NEGATION_FACTOR
            notes.append("negated")
        if shouting_allowed and len(tokens[i]) > 2 and tokens[i].isupper():
            value *= SHOUT_FACTOR
            notes.append("shouted")
        found.append((i, Driver(" ".join(tokens[start:end]), value, tuple(notes))))
        i += 1
    return found


def _sentence_drivers(lexicon: Lexicon, sentence: str, *, shouting_allowed: bool) -> list[Driver]:
    scored: list[tuple[int, Driver]] = []
    contrast_at: int | None = None
    offset = 0
    for clause in clauses(sentence):
        tokens = words(clause)
        for k, token in enumerate(tokens):
            if fold(token) in lexicon.contrasts:
                contrast_at = offset + k
        scored.extend(
            (offset + i, d)
            for i, d in _clause_drivers(lexicon, tokens, shouting_allowed=shouting_allowed)
        )
        offset += len(tokens)
    if contrast_at is not None:
        scored = [
            (
                i,
                Driver(
                    d.text,
                    d.weight * (CONTRAST_AFTER if i > contrast_at else CONTRAST_BEFORE),
                    (*d.notes, "after contrast" if i > contrast_at else "before contrast"),
                ),
            )
            for i, d in scored
        ]
    drivers = [d for _i, d in scored]
    exclamations = min(sentence.count("!"), EXCLAMATION_MAX)
    if exclamations and drivers:
        factor = 1 + EXCLAMATION_STEP * exclamations
        drivers = [Driver(d.text, d.weight * factor, (*d.notes, "exclaimed")) for d in drivers]
    return drivers


def analyse_sentiment(text: str, *, language: str | None = None) -> Sentiment:
    """Score `text`. `language`: an ISO code when known (a customer's preference is not proof
    of the comment's language, so callers usually leave it out and it is detected)."""
    text = (text or "")[:MAX_TEXT]
    language = (language or detect_language(text)).split("-")[0].lower()
    lexicon = LEXICONS.get(language)
    if lexicon is None:
        return Sentiment(language=language or UNKNOWN, score=0.0, label="unknown")
    letters = [c for c in text if c.isalpha()]
    # Shouting is a word in capitals among lower-case ones, not a text typed in capitals.
    shouting_allowed = bool(letters) and sum(c.isupper() for c in letters) < 0.6 * len(letters)
    drivers: list[Driver] = []
    for sentence in sentences(text):
        drivers.extend(_sentence_drivers(lexicon, sentence, shouting_allowed=shouting_allowed))
    total = sum(d.weight for d in drivers)
    score = total / math.sqrt(total * total + NORMALISE_ALPHA) if total else 0.0
    rounded = tuple(Driver(d.text, round(d.weight, 2), d.notes) for d in drivers)
    return Sentiment(language=language, score=round(score, 4), label=_label(score), drivers=rounded)
