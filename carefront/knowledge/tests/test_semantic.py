"""The semantic part of the search (the `embeddings` extra), and its fallbacks."""

import pytest

from carefront.feedback.grouping.vectors import embeddings_available
from carefront.knowledge import search
from carefront.knowledge.models import ArticleRevision
from carefront.knowledge.services import article_revision_embed

from .factories import published_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _semantic_on(settings):
    settings.CAREFRONT_KB_SEMANTIC = True
    search.semantic_enabled.cache_clear()
    search._local.clear()
    yield
    search.semantic_enabled.cache_clear()


def _embed_all():
    for pk in ArticleRevision.objects.values_list("pk", flat=True):
        article_revision_embed(revision_id=pk)


@pytest.mark.skipif(not embeddings_available(), reason="the embeddings extra is not installed")
def test_meaning_decides_between_articles_sharing_the_words():
    # Both titles share "card" with the question; only the meaning tells them apart (full text
    # alone puts the shorter, denser document first).
    arrival = published_article(
        title="Card delivery times",
        body="A new one comes by post in 5 to 7 working days after you order it.",
    )
    fees = published_article(title="Card fees", body="Card payments abroad cost 1%.")
    _embed_all()
    assert ArticleRevision.objects.exclude(embedding_space="").count() == 2
    question = "my card has still not arrived, when will it get here?"
    text_only = [h.article_id for h in search.article_search(question, semantic=False)]
    assert set(text_only) == {arrival.pk, fees.pk}
    hits = search.article_search(question, limit=2)
    assert hits[0].article_id == arrival.pk


@pytest.mark.skipif(not embeddings_available(), reason="the embeddings extra is not installed")
def test_vectors_are_computed_once_per_revision():
    published_article(title="Refunds", body="Text")
    revision = ArticleRevision.objects.get()
    assert article_revision_embed(revision_id=revision.pk) is True
    assert article_revision_embed(revision_id=revision.pk) is False  # kept, not recomputed


def test_without_vectors_full_text_answers():
    article = published_article(title="Refund policy", body="")
    assert [h.article_id for h in search.article_search("refund")] == [article.pk]


def test_without_the_extra_full_text_answers(monkeypatch):
    import carefront.feedback.grouping.vectors as vectors

    monkeypatch.setattr(vectors, "embeddings_available", lambda: False)
    search.semantic_enabled.cache_clear()
    article = published_article(title="Refund policy", body="")
    assert not search.semantic_enabled()
    assert [h.article_id for h in search.article_search("refund")] == [article.pk]
    revision = ArticleRevision.objects.get()
    assert article_revision_embed(revision_id=revision.pk) is False
