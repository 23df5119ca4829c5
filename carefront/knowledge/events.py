"""Typed events of the self-service pages, published after commit; the content-gap loop
subscribes to them."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContactFormSubmitted:
    """A customer sent the contact form. `viewed_article_ids`: the articles they read (or were
    suggested and opened) in this visit before sending anyway."""

    inbox_id: int
    conversation_id: int
    query: str  # subject and description as typed
    viewed_article_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ContactDeflected:
    """A customer left the contact form satisfied by a suggested article instead of sending."""

    inbox_id: int
    article_id: int
    query: str


@dataclass(frozen=True, slots=True)
class ArticlePublished:
    """An article was published (first time or again, after a change)."""

    article_id: int
    revision: int
