"""Splitting text into sentences, clauses and lower-cased word tokens (Unicode letters)."""

import re
import unicodedata

# Words (letters, digits, inner apostrophes and hyphens), emoticons, and the emoji we score.
TOKEN = re.compile(
    r"[:;=]-?[()DPp/\\|]|<3|[\U0001F300-\U0001FAFF\u2600-\u27BF]"
    r"|[^\W_]+(?:['\u2019\-][^\W_]+)*",
)
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# Punctuation that ends the reach of a negation ("not slow, but rude" is rude).
CLAUSE_BREAK = re.compile(r"[,;:()\[\]\u2013\u2014]|\s-\s")


def fold(text: str) -> str:
    """Lower case, curly apostrophes straightened, NFC: the form the lexicons are written in."""
    return unicodedata.normalize("NFC", text).replace("\u2019", "'").lower()


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s and s.strip()]


def clauses(sentence: str) -> list[str]:
    return [c for c in CLAUSE_BREAK.split(sentence) if c.strip()]


def words(text: str) -> list[str]:
    """The tokens of `text`, as written (case kept: shouting counts)."""
    return TOKEN.findall(text)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
