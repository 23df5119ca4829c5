"""Full-text search over conversations, on each database's own engine, behind one function.

SQLite: an FTS5 external-content table over `conversations_message`, kept in step by triggers.
PostgreSQL: a generated `tsvector` column with a GIN index. Both are created by migration
`0002_message_search` (raw SQL, not in the Django model). See docs/search.md.

User syntax: words (all must match), "quoted phrases", prefix*, `#123` for a conversation id.
Anything else is treated as text: no input can produce an FTS or tsquery syntax error.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from carefront.accounts.models import Agent
from carefront.customers.models import CustomerIdentity, IdentityKind

from .models import Conversation
from .selectors import conversations_visible_to, visible_inboxes

MAX_QUERY_LENGTH = 500
MAX_TERMS = 16
MAX_LIMIT = 1000

FTS_TABLE = "conversations_message_fts"
# Text search configuration created by the migration: `simple` (no stemming, no stop words, works
# for every language) plus `unaccent` when the extension could be installed.
PG_CONFIG = "carefront_search"

# How many matching messages are ranked, the newest first: a word found in most messages would
# otherwise have every one of them scored (a quarter of a second at 100,000) before the best 200
# are kept. Below this many matches, every match is ranked.
RANKED_HITS = 5000
# bm25 weights, in FTS column order: subject, body_text, from_name, from_address. FTS5 walks the
# matches newest first (by rowid) and scores only those it returns.
_SQLITE_HITS = (
    "SELECT rowid AS message_id, bm25(conversations_message_fts, 10.0, 1.0, 4.0, 4.0) AS score "
    "FROM conversations_message_fts WHERE conversations_message_fts MATCH %s "
    "ORDER BY rowid DESC LIMIT %s"
)
_SQLITE_REBUILD = (
    "INSERT INTO conversations_message_fts(conversations_message_fts) VALUES ('rebuild')"
)

# A term is a "quoted phrase" (closing quote optional) or a run of non-space characters.
_CHUNK_RE = re.compile(r'"([^"]*)"?|(\S+)')
# Letters and digits of any script: what both engines treat as word characters.
_TOKEN_RE = re.compile(r"[^\W_]+")
_CONVERSATION_ID_RE = re.compile(r"^#(\d{1,18})$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Term:
    """One thing that must match: a word or phrase (as typed and as tokens), maybe a prefix."""

    text: str
    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(slots=True)
class ParsedQuery:
    terms: list[Term] = field(default_factory=list)
    conversation_ids: list[int] = field(default_factory=list)
    # Set when the whole text part of the query is one email address.
    email: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.conversation_ids


def parse_query(query: str) -> ParsedQuery:
    """Split what the user typed into terms. Never raises; drops what cannot match anything."""
    # NFKC folds full-width letters and compatibility forms; NUL cannot be sent to PostgreSQL.
    query = unicodedata.normalize("NFKC", query or "").replace("\x00", " ")[:MAX_QUERY_LENGTH]
    parsed = ParsedQuery()
    chunks: list[tuple[str, bool]] = []  # (text, was quoted)
    for match in _CHUNK_RE.finditer(query):
        phrase, word = match.groups()
        if word is not None:
            id_match = _CONVERSATION_ID_RE.match(word)
            if id_match:
                parsed.conversation_ids.append(int(id_match.group(1)))
                continue
            chunks.append((word, False))
        elif phrase is not None:
            chunks.append((phrase, True))
    for text, _quoted in chunks:
        # `"wireless head*"` is a phrase whose last word is a prefix, as `wireless.head*` is.
        prefix = text.rstrip().endswith("*")
        text = text.rstrip().rstrip("*") if prefix else text
        tokens = tuple(t.lower() for t in _TOKEN_RE.findall(text))
        if tokens:
            parsed.terms.append(Term(text=text.strip(), tokens=tokens, prefix=prefix))
    parsed.terms = parsed.terms[:MAX_TERMS]
    if len(parsed.terms) == 1 and not parsed.terms[0].prefix:
        candidate = parsed.terms[0].text.strip("<>,;").lower()
        if _EMAIL_RE.match(candidate):
            parsed.email = candidate
    return parsed


def conversation_search(*, actor: Agent, query: str, limit: int = 200) -> list[int]:
    """Ids of conversations the actor may see that match `query`, best matches first.

    `#123` puts conversation 123 first; one email address also finds every conversation of the
    customer who owns it (whichever of their addresses they wrote from); words and phrases must
    all occur in one message (subject, text, sender name or address).
    """
    limit = max(1, min(limit, MAX_LIMIT))
    parsed = parse_query(query)
    if parsed.is_empty:
        return []
    visible = conversations_visible_to(actor=actor)
    found: dict[int, None] = {}
    if parsed.conversation_ids:
        existing = set(visible.filter(pk__in=parsed.conversation_ids).values_list("pk", flat=True))
        for pk in parsed.conversation_ids:
            if pk in existing:
                found.setdefault(pk, None)
    if parsed.email:
        customer_ids = CustomerIdentity.objects.filter(
            kind=IdentityKind.EMAIL, value=parsed.email
        ).values("customer_id")
        for pk in (
            visible.filter(customer_id__in=customer_ids)
            .order_by("-last_message_at", "-id")
            .values_list("pk", flat=True)[:limit]
        ):
            found.setdefault(pk, None)
    if parsed.terms and len(found) < limit:
        for pk in _text_search(actor=actor, terms=parsed.terms, limit=limit):
            found.setdefault(pk, None)
    return list(found)[:limit]


def _text_search(*, actor: Agent, terms: list[Term], limit: int) -> list[int]:
    if connection.vendor == "sqlite":
        match_sql, match_params = _sqlite_hits_sql(terms)
    elif connection.vendor == "postgresql":
        match_sql, match_params = _postgres_hits_sql(terms)
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(f"Search is not available on {connection.vendor}.")
    scope_sql, scope_params = "", []
    if not actor.sees_all_inboxes:
        # An agent belongs to a handful of inboxes: filtering on their ids is one index lookup per
        # hit, where `IN (visible conversations)` made SQLite build the whole visible set first.
        inbox_ids = list(visible_inboxes(actor=actor).values_list("pk", flat=True))
        if not inbox_ids:
            return []
        scope_sql = f"AND c.inbox_id IN ({', '.join(['%s'] * len(inbox_ids))})"
        scope_params = inbox_ids
    # `hits` is materialised first: FTS5 auxiliary functions (bm25) may not run inside the
    # aggregate, and on both engines it lets the text index drive the plan.
    sql = f"""
        WITH hits AS MATERIALIZED ({match_sql})
        SELECT m.conversation_id, MIN(hits.score) AS best
        FROM hits
        JOIN conversations_message m ON m.id = hits.message_id
        JOIN conversations_conversation c ON c.id = m.conversation_id
        WHERE 1 = 1 {scope_sql}
        GROUP BY m.conversation_id
        ORDER BY best, m.conversation_id DESC
        LIMIT %s
    """  # noqa: S608 - only constant SQL and placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match_params, *scope_params, limit])
        return [row[0] for row in cursor.fetchall()]


def _fts5_string(token: str) -> str:
    # Tokens hold letters and digits only, but quoting (with quotes doubled) keeps any keyword
    # such as NEAR, AND or NOT a plain string for FTS5 whatever the tokenizer rules become.
    return '"' + token.replace('"', '""') + '"'


def sqlite_match_expression(terms: list[Term]) -> str:
    """An FTS5 MATCH string: every term a quoted phrase, the prefix ones ending in `*`."""
    parts = []
    for term in terms:
        phrase = _fts5_string(" ".join(term.tokens))
        parts.append(f"{phrase}*" if term.prefix else phrase)
    return " AND ".join(parts)


def _sqlite_hits_sql(terms: list[Term]) -> tuple[str, list]:
    # bm25 is lower-is-better, so MIN() per conversation keeps its best message.
    return _SQLITE_HITS, [sqlite_match_expression(terms), RANKED_HITS]


def _postgres_term_sql(term: Term) -> tuple[str, list]:
    config = f"'{PG_CONFIG}'::regconfig"
    if not term.prefix:
        # phraseto_tsquery reads plain text (no operators), tokenised by the same parser as the
        # documents: `alice@example.com` or `hello-world` match the way they were indexed.
        return f"phraseto_tsquery({config}, %s)", [term.text]
    # Tokens are letters and digits only, so `token:*` is always valid tsquery input.
    last = f"to_tsquery({config}, %s)"
    if len(term.tokens) == 1:
        return last, [f"{term.tokens[0]}:*"]
    head = f"phraseto_tsquery({config}, %s)"
    return f"tsquery_phrase({head}, {last})", [" ".join(term.tokens[:-1]), f"{term.tokens[-1]}:*"]


def _postgres_hits_sql(terms: list[Term]) -> tuple[str, list]:
    parts, params = [], []
    for term in terms:
        sql, term_params = _postgres_term_sql(term)
        parts.append(sql)
        params += term_params
    query_sql = " && ".join(parts)
    # Negated so that, as with bm25, lower is better.
    # Only constant SQL fragments are joined here; the user's text travels in `params`.
    # The newest RANKED_HITS matches first, then ts_rank for those only.
    sql = (
        "SELECT newest.id AS message_id, -ts_rank(newest.search_vector, newest.query) AS score "  # noqa: S608
        "FROM (SELECT msg.id, msg.search_vector, q.query "
        f"FROM conversations_message msg, (SELECT {query_sql} AS query) q "
        "WHERE msg.search_vector @@ q.query ORDER BY msg.id DESC LIMIT %s) newest"
    )
    return sql, [*params, RANKED_HITS]


# --- Index maintenance -------------------------------------------------------------------------

SQLITE_TRIGGERS = {
    "conversations_message_fts_ai": """
        CREATE TRIGGER IF NOT EXISTS conversations_message_fts_ai
        AFTER INSERT ON conversations_message BEGIN
            INSERT INTO conversations_message_fts(
                rowid, subject, body_text, from_name, from_address
            )
            VALUES (new.id, new.subject, new.body_text, new.from_name, new.from_address);
        END""",
    "conversations_message_fts_ad": """
        CREATE TRIGGER IF NOT EXISTS conversations_message_fts_ad
        AFTER DELETE ON conversations_message BEGIN
            INSERT INTO conversations_message_fts(
                conversations_message_fts, rowid, subject, body_text, from_name, from_address
            )
            VALUES ('delete', old.id, old.subject, old.body_text, old.from_name, old.from_address);
        END""",
    # Only when indexed columns change: delivery-status updates must not churn the index.
    "conversations_message_fts_au": """
        CREATE TRIGGER IF NOT EXISTS conversations_message_fts_au
        AFTER UPDATE OF subject, body_text, from_name, from_address ON conversations_message
        BEGIN
            INSERT INTO conversations_message_fts(
                conversations_message_fts, rowid, subject, body_text, from_name, from_address
            )
            VALUES ('delete', old.id, old.subject, old.body_text, old.from_name, old.from_address);
            INSERT INTO conversations_message_fts(
                rowid, subject, body_text, from_name, from_address
            )
            VALUES (new.id, new.subject, new.body_text, new.from_name, new.from_address);
        END""",
}


def search_index_ensure(*, using: BaseDatabaseWrapper | None = None) -> bool:
    """Recreate the SQLite triggers if they are gone, and rebuild the index then.

    Django rebuilds a SQLite table (copy, drop, rename) for many schema changes, and dropping the
    table drops its triggers: without this, a later migration of `Message` would silently stop
    indexing. Returns True when something had to be repaired. No-op on PostgreSQL, where the
    generated column survives ALTER TABLE.
    """
    conn = using or connection
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name IN "
            "(%s, %s, %s, %s)",
            [FTS_TABLE, *SQLITE_TRIGGERS],
        )
        present = {row[0] for row in cursor.fetchall()}
        if (
            FTS_TABLE not in present
            or "conversations_message" not in conn.introspection.table_names(cursor)
        ):
            return False  # not migrated that far yet (or rolled back): nothing to maintain
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        if missing:
            cursor.execute(_SQLITE_REBUILD)
    return bool(missing)


def search_index_rebuild() -> None:
    """Re-index every message (SQLite). PostgreSQL computes its column itself: nothing to do."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(_SQLITE_REBUILD)


def conversations_for_ids(*, actor: Agent, ids: list[int]) -> list[Conversation]:
    """The conversations behind search results, in result order, still scoped to the actor."""
    rows = conversations_visible_to(actor=actor).filter(pk__in=ids).select_related("customer")
    by_id = {c.pk: c for c in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


# --- Highlighting -------------------------------------------------------------------------------

_WORD_CHAR = r"[^\W_]"


def _fold_char(char: str) -> str:
    """What the engines compare: no accents, no case (`É` and `e` are the same letter)."""
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed.lower() if not unicodedata.combining(c))


def _fold_with_positions(text: str) -> tuple[str, list[int]]:
    """`text` folded, with the index in `text` of every folded character."""
    folded: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        for part in _fold_char(char):
            folded.append(part)
            positions.append(index)
    return "".join(folded), positions


def highlight_pattern(parsed: ParsedQuery) -> re.Pattern[str] | None:
    """A regex over folded text that finds what each term of the query matched: words whole,
    "phrases" with any separators between their words, `prefix*` as the start of a word.
    `#123` matches no text. None when there is nothing to highlight."""
    alternatives = []
    for term in parsed.terms:
        tokens = ["".join(_fold_char(c) for c in token) for token in term.tokens]
        body = r"[\W_]+".join(re.escape(token) for token in tokens if token)
        if not body:
            continue
        end = f"{_WORD_CHAR}*" if term.prefix else f"(?!{_WORD_CHAR})"
        alternatives.append((len(body), f"(?<!{_WORD_CHAR}){body}{end}"))
    if not alternatives:
        return None
    # Longest first, so that a phrase wins over one of its own words.
    alternatives.sort(key=lambda item: -item[0])
    return re.compile("|".join(f"(?:{regex})" for _, regex in alternatives))


def highlight_spans(text: str, pattern: re.Pattern[str] | None) -> list[tuple[int, int]]:
    """(start, end) offsets in `text` of every match of `pattern`, in order, not overlapping."""
    if pattern is None or not text:
        return []
    folded, positions = _fold_with_positions(text)
    return [
        (positions[match.start()], positions[match.end() - 1] + 1)
        for match in pattern.finditer(folded)
        if match.end() > match.start()
    ]
