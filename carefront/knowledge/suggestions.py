"""Article suggestions for a piece of text: the contact form (as the customer types), the
agent's composer, and the help centre search all ask here.

Contract between the knowledge-base part (which implements the ranking: full text, plus
semantic similarity when the embeddings extra is installed) and its callers.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ArticleSuggestion:
    article_id: int
    title: str
    url: str  # the public URL, /help/articles/<id>-<slug>/
    snippet: str  # plain text, a sentence or two
    score: float


def article_suggestions(
    text: str, *, language: str | None = None, limit: int = 5, include_internal: bool = False
) -> list[ArticleSuggestion]:
    """The published articles that best answer `text`, best first. Public articles only unless
    `include_internal` (the agent's composer)."""
    from .models import Article
    from .rendering import article_snippet
    from .search import article_search

    hits = article_search(text, language=language, include_internal=include_internal, limit=limit)
    if not hits and language:
        # Nothing in the visitor's language: an answer in another one beats none.
        hits = article_search(text, include_internal=include_internal, limit=limit)
    if not hits:
        return []
    articles = Article.objects.only("pk", "title", "slug", "summary", "body", "revision").in_bulk(
        [hit.article_id for hit in hits]
    )
    out = []
    for hit in hits:
        article = articles.get(hit.article_id)
        if article is None:
            continue
        out.append(
            ArticleSuggestion(
                article_id=article.pk,
                title=article.title,
                url=article.get_absolute_url(),
                snippet=article_snippet(article),
                score=round(hit.score, 4),
            )
        )
    return out
