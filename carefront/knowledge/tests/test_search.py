import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carefront.accounts.tests.factories import AgentFactory
from carefront.knowledge.models import ArticleStatus, ArticleVisibility
from carefront.knowledge.search import article_search, search_index_ensure, text_hits
from carefront.knowledge.services import article_status_set, article_update
from carefront.knowledge.suggestions import article_suggestions
from carefront.knowledge.text import Vocabulary, edit_distance, query_terms

from .factories import published_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _text_only(settings):
    settings.CAREFRONT_KB_SEMANTIC = False
    from carefront.knowledge import search

    search.semantic_enabled.cache_clear()
    search._local.clear()
    yield
    search.semantic_enabled.cache_clear()


def ids(hits):
    return [hit.article_id for hit in hits]


def test_title_weighs_more_than_body():
    in_body = published_article(title="Account basics", body="About the refund rules here.")
    in_title = published_article(title="Refund rules", body="How it works.")
    assert ids(article_search("refund"))[:2] == [in_title.pk, in_body.pk]


def test_synonyms_and_plurals_meet():
    article = published_article(title="How to log in", body="Use your email and password.")
    assert ids(article_search("cannot sign in")) == [article.pk]
    assert ids(article_search("passwords")) == [article.pk]


def test_typo_corrected_against_the_vocabulary():
    article = published_article(title="Change your delivery address", body="")
    assert ids(article_search("chnage adress")) == [article.pk]


def test_internal_and_drafts_never_public():
    internal = published_article(title="Refund override", visibility=ArticleVisibility.INTERNAL)
    public = published_article(title="Refund policy")
    agent = AgentFactory()
    draft = published_article(title="Refund draft", actor=agent)
    article_status_set(actor=agent, article=draft, status=ArticleStatus.DRAFT)
    assert ids(article_search("refund")) == [public.pk]
    assert set(ids(article_search("refund", include_internal=True))) == {internal.pk, public.pk}
    assert [s.article_id for s in article_suggestions("refund")] == [public.pk]


def test_language_filter_and_fallback():
    german = published_article(title="Rückerstattung beantragen", language="de")
    assert ids(article_search("ruckerstattung", language="de")) == [german.pk]
    assert ids(article_search("ruckerstattung", language="en")) == []
    # suggestions fall back to any language when the visitor's has nothing
    assert [s.article_id for s in article_suggestions("rückerstattung", language="en")] == [
        german.pk
    ]


def test_edits_are_reindexed():
    article = published_article(title="Old name", body="")
    article_update(actor=AgentFactory(), article=article, title="Shiny new name", body="")
    assert ids(article_search("shiny")) == [article.pk]
    assert ids(article_search("old")) == []


def test_suggestion_fields():
    article = published_article(title="Reset password", body="Click **Forgot password**.")
    [suggestion] = article_suggestions("forgot my password")
    assert suggestion.article_id == article.pk
    assert suggestion.url == f"/help/articles/{article.pk}-reset-password/"
    assert suggestion.snippet == "Click Forgot password."


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=3000))
def test_any_input_is_safe(text):
    published_article(title="Anything")
    article_search(text)
    text_hits(query_terms(text), include_internal=False, language=None)


@pytest.mark.parametrize(
    "text", ['"', "NEAR(a b)", "a AND OR NOT", "*", "x" * 10000, "\x00", "'; drop table", "a:*|!"]
)
def test_hostile_queries(text):
    published_article(title="Anything at all")
    assert isinstance(article_search(text), list)


def test_typo_of_a_synonym():
    article = published_article(title="Track your parcel", body="")
    assert ids(article_search("where is my parcle")) == [article.pk]


def test_edit_distance_and_vocabulary():
    assert edit_distance("adress", "address") == 1
    assert edit_distance("recieve", "receive") == 1
    vocabulary = Vocabulary({"address": 3, "dress": 1, "transfer": 5})
    assert vocabulary.correct("adress") == "address"
    assert vocabulary.correct("tarnsfer") == "transfer"
    assert vocabulary.correct("zzzz") == "zzzz"


def test_sqlite_triggers_repaired():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER knowledge_article_fts_au")
    assert search_index_ensure() is True
    assert search_index_ensure() is False
