"""Search over the knowledge base, on each database's own engine behind one function, plus
semantic similarity when the `embeddings` extra is installed.

Full text: SQLite FTS5 (external content over `knowledge_article`, kept in step by triggers)
or PostgreSQL (a generated, weighted `tsvector` with a GIN index), both created by migration
`0002_kb_articles`. Both index `search_title` and `search_body`, the folded terms of
`knowledge.text` (synonyms and plural stems applied in Python, so both engines see the same
words); the title weighs more than the body. Query words are OR-ed and ranked (bm25 or
ts_rank), after typos are corrected against the vocabulary of the published articles.

Semantic: the MiniLM vector of each article's current revision (computed once per revision by
a task) against the query's vector; the two scores are blended. Without the extra, or before
the vectors exist, full text alone answers.
"""

import functools
import logging
import time
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db import connection

from .models import ArticleStatus, ArticleVisibility
from .text import Vocabulary, query_terms, synonym_words

logger = logging.getLogger(__name__)

FTS_TABLE = "knowledge_article_fts"
CANDIDATES = 50
GENERATION_KEY = "knowledge:search-generation"
# How long one process trusts its copy of the vectors and the vocabulary without asking the
# cache whether an article changed.
LOCAL_TTL = 2.0
# Blend of the two scores: the cosine (0..1) plus this much of the normalised text rank.
TEXT_WEIGHT = 0.35


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: int
    score: float


def _scope_sql(*, include_internal: bool, language: str | None) -> tuple[str, list]:
    sql = "a.status = %s"
    params: list = [ArticleStatus.PUBLISHED.value]
    if not include_internal:
        sql += " AND a.visibility = %s"
        params.append(ArticleVisibility.PUBLIC.value)
    if language:
        sql += " AND a.language = %s"
        params.append(language)
    return sql, params


def text_hits(
    terms: list[str], *, include_internal: bool, language: str | None, limit: int = CANDIDATES
) -> list[Hit]:
    """Articles containing any of `terms`, best first (score: higher is better)."""
    if not terms:
        return []
    scope, scope_params = _scope_sql(include_internal=include_internal, language=language)
    if connection.vendor == "sqlite":
        # Every term a quoted string: no input can be FTS syntax.
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        sql = (
            f"SELECT a.id, -bm25({FTS_TABLE}, 8.0, 1.0) AS score FROM {FTS_TABLE} "  # noqa: S608
            f"JOIN knowledge_article a ON a.id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH %s AND {scope} ORDER BY score DESC, a.id LIMIT %s"
        )
        params = [match, *scope_params, limit]
    elif connection.vendor == "postgresql":
        # Terms hold letters and digits only (knowledge.text), so each is a valid lexeme.
        query = " | ".join(terms)
        sql = (
            "SELECT a.id, ts_rank(a.search_vector, q.query) AS score "  # noqa: S608
            "FROM knowledge_article a, to_tsquery('simple', %s) q(query) "
            f"WHERE a.search_vector @@ q.query AND {scope} ORDER BY score DESC, a.id LIMIT %s"
        )
        params = [query, *scope_params, limit]
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Hit(article_id=row[0], score=float(row[1])) for row in cursor.fetchall()]


# --- What each process keeps in memory: vocabulary and vectors ---------------------------------


def search_generation_bump() -> None:
    """An article was published, changed or withdrawn: processes reload what they keep."""
    try:
        cache.set(GENERATION_KEY, time.time_ns(), None)
    except Exception:  # pragma: no cover - a cache outage only delays the refresh
        logger.exception("Could not bump the knowledge search generation")
    _local.clear()


class _Local:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.generation: object = None
        self.checked_at = 0.0
        self.vocabulary: Vocabulary | None = None
        self.vectors: dict[tuple, tuple[np.ndarray, np.ndarray, dict[int, int]]] = {}

    def fresh(self) -> None:
        now = time.monotonic()
        if now - self.checked_at < LOCAL_TTL and self.generation is not None:
            return
        generation = cache.get(GENERATION_KEY, 0)
        if generation != self.generation:
            self.vocabulary = None
            self.vectors = {}
            self.generation = generation
        self.checked_at = now


_local = _Local()


def vocabulary() -> Vocabulary:
    _local.fresh()
    if _local.vocabulary is None:
        from collections import Counter

        from .models import Article

        counts: Counter[str] = Counter()
        rows = Article.objects.filter(status=ArticleStatus.PUBLISHED).values_list(
            "search_title", "search_body"
        )
        for title, body in rows.iterator(chunk_size=2000):
            counts.update(set(f"{title} {body}".split()))
        # The words customers type for an indexed term ("parcel" for "package") are known too,
        # so that "parcle" is corrected to "parcel" and then mapped like it.
        for word, canonical in synonym_words().items():
            if canonical in counts and word not in counts:
                counts[word] = counts[canonical]
        _local.vocabulary = Vocabulary(dict(counts))
    return _local.vocabulary


def corrected_terms(text: str) -> tuple[list[str], list[str]]:
    """(the query's terms with typos corrected, the original terms)."""
    original = query_terms(text)
    known = vocabulary()
    synonyms = synonym_words()
    corrected: dict[str, None] = {}
    for term in original:
        fixed = known.correct(term)
        corrected.setdefault(synonyms.get(fixed, fixed), None)
    return list(corrected), original


def _article_vectors(*, include_internal: bool, language: str | None):
    from carefront.feedback.grouping.vectors import MINILM_SPACE

    from .models import Article, ArticleRevision

    key = (include_internal, language)
    _local.fresh()
    if key not in _local.vectors:
        articles = Article.objects.filter(status=ArticleStatus.PUBLISHED)
        if not include_internal:
            articles = articles.filter(visibility=ArticleVisibility.PUBLIC)
        if language:
            articles = articles.filter(language=language)
        current = dict(articles.values_list("pk", "revision"))
        ids, blobs = [], []
        rows = ArticleRevision.objects.filter(
            article_id__in=articles.values("pk"), embedding_space=MINILM_SPACE
        ).values_list("article_id", "number", "embedding")
        for article_id, number, blob in rows.iterator(chunk_size=2000):
            if current.get(article_id) == number and blob:
                ids.append(article_id)
                blobs.append(np.frombuffer(bytes(blob), dtype=np.float32))
        matrix = np.vstack(blobs) if blobs else np.zeros((0, 384), dtype=np.float32)
        position = {pk: index for index, pk in enumerate(ids)}
        _local.vectors[key] = (np.array(ids, dtype=np.int64), matrix, position)
    return _local.vectors[key]


@functools.cache
def semantic_enabled() -> bool:
    from django.conf import settings

    from carefront.feedback.grouping.vectors import embeddings_available

    return bool(getattr(settings, "CAREFRONT_KB_SEMANTIC", True)) and embeddings_available()


def article_search(
    text: str,
    *,
    language: str | None = None,
    include_internal: bool = False,
    limit: int = 10,
    semantic: bool | None = None,
) -> list[Hit]:
    """Published articles best matching `text`, best first. Public ones only unless
    `include_internal`. Never raises on odd input: anything that is no word finds nothing."""
    limit = max(1, min(int(limit), CANDIDATES))
    terms, _original = corrected_terms(text)
    hits = text_hits(terms, include_internal=include_internal, language=language)
    use_semantic = semantic_enabled() if semantic is None else (semantic and semantic_enabled())
    if not use_semantic or not (text or "").strip():
        return hits[:limit]
    ids, matrix, position = _article_vectors(include_internal=include_internal, language=language)
    if not len(ids):
        return hits[:limit]
    query_vector = _query_vector((text or "")[:1000])
    cosines = matrix @ query_vector
    scores: dict[int, float] = {}
    top = (
        np.argpartition(-cosines, CANDIDATES)[:CANDIDATES]
        if len(cosines) > CANDIDATES
        else np.arange(len(cosines))
    )
    for index in top:
        scores[int(ids[index])] = float(cosines[index])
    best_text = hits[0].score if hits and hits[0].score > 0 else 1.0
    for hit in hits:
        base = scores.get(hit.article_id)
        if base is None:
            index = position.get(hit.article_id)
            base = float(cosines[index]) if index is not None else 0.0
        scores[hit.article_id] = base + TEXT_WEIGHT * (hit.score / best_text)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    # A weak semantic match alone is no answer: keep pure-vector hits above a floor.
    text_ids = {hit.article_id for hit in hits}
    return [
        Hit(article_id=pk, score=score)
        for pk, score in ranked
        if pk in text_ids or score >= SEMANTIC_FLOOR
    ][:limit]


SEMANTIC_FLOOR = 0.35


@functools.lru_cache(maxsize=2048)
def _query_vector(text: str) -> np.ndarray:
    """A question's vector, kept: the contact form asks again as the customer types, and
    popular questions repeat. The array is shared: never changed in place."""
    from carefront.feedback.grouping.vectors import minilm

    vector = minilm().encode([text])[0]
    vector.setflags(write=False)
    return vector


# --- Index maintenance (SQLite) -----------------------------------------------------------------

SQLITE_TRIGGERS = {
    "knowledge_article_fts_ai": """
        CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_ai
        AFTER INSERT ON knowledge_article BEGIN
            INSERT INTO knowledge_article_fts(rowid, search_title, search_body)
            VALUES (new.id, new.search_title, new.search_body);
        END""",
    "knowledge_article_fts_ad": """
        CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_ad
        AFTER DELETE ON knowledge_article BEGIN
            INSERT INTO knowledge_article_fts(
                knowledge_article_fts, rowid, search_title, search_body
            )
            VALUES ('delete', old.id, old.search_title, old.search_body);
        END""",
    "knowledge_article_fts_au": """
        CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_au
        AFTER UPDATE OF search_title, search_body ON knowledge_article BEGIN
            INSERT INTO knowledge_article_fts(
                knowledge_article_fts, rowid, search_title, search_body
            )
            VALUES ('delete', old.id, old.search_title, old.search_body);
            INSERT INTO knowledge_article_fts(rowid, search_title, search_body)
            VALUES (new.id, new.search_title, new.search_body);
        END""",
}
SQLITE_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"  # noqa: S608


def search_index_ensure() -> bool:
    """Recreate the SQLite triggers if a table rebuild dropped them (see conversations.search);
    True when something was repaired. No-op on PostgreSQL."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name IN "
            "(%s, %s, %s, %s)",
            [FTS_TABLE, *SQLITE_TRIGGERS],
        )
        present = {row[0] for row in cursor.fetchall()}
        if FTS_TABLE not in present:
            return False
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        if missing:
            cursor.execute(SQLITE_REBUILD)
    return bool(missing)
