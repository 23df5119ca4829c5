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
    return []
