"""The language of a customer's message: py3langid (Naive Bayes over byte n-grams, 97
languages, its 4 MB model ships in the wheel, ~0.1 ms a message) for sentences, and the
function-word lexicon of carefront/nlp/language.py for the very short ones where n-grams guess
("Danke!", "Merci", "Help!!!").

Chosen on LANGUAGE_SAMPLE (80 short support messages in 10 languages) and 16 one-to-four word
messages, see docs/triage.md and bench/triage.py: py3langid 100 % / 69 %, langid 85 % / 56 %
(7.5 ms), langdetect 93 % / 63 % (9.6 ms, random unless seeded), the lexicon 86 % / 88 %;
lingua-language-detector is a 170 MB wheel. The combination gets 100 % / 94 %.
"""

from dataclasses import dataclass
from functools import cache

from carefront.nlp.language import UNKNOWN
from carefront.nlp.language import detect_language as lexicon_language

# Below this py3langid probability, a text is too short for n-grams; the lexicon decides, and
# with no telling word either, the language stays unknown (below GUESS_FLOOR).
SURE_ABOVE = 0.5
GUESS_FLOOR = 0.3
MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    language: str  # ISO 639-1 code, "" when unknown
    confidence: float | None
    method: str  # "ngrams", "function words", "none"


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> LanguageGuess:
    text = (text or "")[:MAX_TEXT]
    if not any(c.isalpha() for c in text):
        return LanguageGuess("", None, "none")
    language, probability = _identifier().classify(text)
    probability = float(probability)
    if probability >= SURE_ABOVE:
        return LanguageGuess(language, round(probability, 3), "ngrams")
    by_words = lexicon_language(text)
    if by_words != UNKNOWN:
        return LanguageGuess(by_words, None, "function words")
    if probability >= GUESS_FLOOR:
        return LanguageGuess(language, round(probability, 3), "ngrams")
    return LanguageGuess("", round(probability, 3), "none")
