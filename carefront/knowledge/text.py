"""How article text and search input become index terms: lower-cased words without stop words,
a light plural stem, and support synonyms folded onto one word ("sign in" and "log in" are
"login"). The same function serves indexing and querying, on both databases, so an article is
found by the words a customer uses rather than the ones its author chose."""

import re
import unicodedata

from carefront.feedback.grouping.text import STOPWORDS, stem

MAX_QUERY_CHARS = 500
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Phrases first (matched on the folded text), then single words: what support customers type,
# mapped onto one canonical term each. Extended with settings.CAREFRONT_KB_SYNONYMS.
PHRASE_SYNONYMS: dict[str, str] = {
    "sign in": "login",
    "log in": "login",
    "logon": "login",
    "log on": "login",
    "sign up": "register",
    "money back": "refund",
    "pay back": "refund",
    "credit card": "card",
    "debit card": "card",
    "e mail": "email",
    "two factor": "2fa",
    "wi fi": "wifi",
    "top up": "topup",
    "top-up": "topup",
}
WORD_SYNONYMS: dict[str, str] = {
    "signin": "login",
    "logging": "login",
    "logon": "login",
    "password": "password",
    "passcode": "password",
    "pin": "password",
    "reimburse": "refund",
    "reimbursement": "refund",
    "repay": "refund",
    "chargeback": "refund",
    "terminate": "cancel",
    "cancellation": "cancel",
    "unsubscribe": "cancel",
    "bill": "invoice",
    "billing": "invoice",
    "receipt": "invoice",
    "shipping": "delivery",
    "shipment": "delivery",
    "deliver": "delivery",
    "delivered": "delivery",
    "parcel": "package",
    "arrive": "arrival",
    "arrived": "arrival",
    "broken": "damaged",
    "defective": "damaged",
    "faulty": "damaged",
    "transfer": "transfer",
    "wire": "transfer",
    "mail": "email",
    "cellphone": "phone",
    "mobile": "phone",
    "fee": "charge",
    "commission": "charge",
    "address": "address",
    "delete": "remove",
    "erase": "remove",
    "account": "account",
    "profile": "account",
    "withdraw": "withdrawal",
    "atm": "cashmachine",
    "cashpoint": "cashmachine",
    "lost": "lost",
    "stolen": "stolen",
    "cheque": "check",
    "order": "order",
    "purchase": "order",
    "bought": "order",
}
_EXTRA_WORDS = (
    "want need would know how can could help tell way do did does wondering trying try "
    "possible able anyone someone something anything why when where which what"
)
_EXTRA_STOPWORDS = frozenset(_EXTRA_WORDS.split())


def fold(text: str) -> str:
    """Lower case, no accents, NFKC (full-width letters), no NUL."""
    text = unicodedata.normalize("NFKC", text or "").replace("\x00", " ").lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _synonyms() -> tuple[dict[str, str], dict[str, str]]:
    from django.conf import settings

    extra = getattr(settings, "CAREFRONT_KB_SYNONYMS", None) or {}
    phrases = dict(PHRASE_SYNONYMS)
    words = dict(WORD_SYNONYMS)
    for key, value in extra.items():
        (phrases if " " in key else words)[fold(key)] = fold(value)
    return phrases, words


def synonym_words() -> dict[str, str]:
    """Single-word synonyms (word -> canonical term)."""
    return _synonyms()[1]


def terms(text: str, *, limit: int | None = None) -> list[str]:
    """The index terms of `text`, in order (repeats kept: they weigh in the ranking)."""
    folded = fold(text)
    phrases, words = _synonyms()
    for phrase, canonical in phrases.items():
        if phrase in folded:
            folded = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", f" {canonical} ", folded)
    out: list[str] = []
    for match in _WORD.finditer(folded):
        word = match.group(0)
        if len(word) < 2 and not word.isdigit():
            continue
        if word in STOPWORDS or word in _EXTRA_STOPWORDS:
            continue
        word = words.get(word, word)
        word = stem(word)
        word = words.get(word, word)
        out.append(word[:60])
        if limit is not None and len(out) >= limit:
            break
    return out


def index_text(text: str) -> str:
    """What the full-text index stores for a field: its terms joined by spaces."""
    return " ".join(terms(text))


def query_terms(text: str, *, limit: int = 24) -> list[str]:
    """The distinct terms of a search, first occurrence first, at most `limit`."""
    seen: dict[str, None] = {}
    for term in terms((text or "")[:MAX_QUERY_CHARS]):
        seen.setdefault(term, None)
        if len(seen) >= limit:
            break
    return list(seen)


def edit_distance(a: str, b: str, *, cap: int = 3) -> int:
    """Damerau-Levenshtein (optimal string alignment), stopping early beyond `cap`."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > cap:
            return cap + 1
        previous_previous, previous = previous, current
    return previous[-1]


class Vocabulary:
    """The terms of the published articles, for correcting typos: a word not in it is replaced
    by the most frequent known word within one edit (two for long words). Lookup by deletion
    neighbourhoods (each word indexed under itself and its one-letter deletions)."""

    def __init__(self, frequencies: dict[str, int]) -> None:
        self.frequencies = frequencies
        self._by_deletion: dict[str, list[str]] = {}
        for word in frequencies:
            if len(word) < 4 or word.isdigit():
                continue
            for key in {word, *self._deletions(word)}:
                self._by_deletion.setdefault(key, []).append(word)

    @staticmethod
    def _deletions(word: str) -> set[str]:
        return {word[:i] + word[i + 1 :] for i in range(len(word))}

    def correct(self, word: str) -> str:
        if word in self.frequencies or len(word) < 4 or word.isdigit():
            return word
        candidates: set[str] = set()
        for key in {word, *self._deletions(word)}:
            candidates.update(self._by_deletion.get(key, ()))
        if len(word) >= 8:
            for deleted in self._deletions(word):
                for key in self._deletions(deleted):
                    candidates.update(self._by_deletion.get(key, ()))
        best, best_key = word, None
        limit = 2 if len(word) >= 8 else 1
        for candidate in candidates:
            distance = edit_distance(word, candidate, cap=limit)
            if distance > limit:
                continue
            key = (distance, -self.frequencies[candidate], candidate)
            if best_key is None or key < best_key:
                best, best_key = candidate, key
        return best
