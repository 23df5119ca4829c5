"""The inbox's search results: ranked, counted, highlighted, and an empty result that says so."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.conversations.models import Conversation
from carefront.conversations.services import conversation_reply
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db

INBOX_URL = reverse("web:inbox")


def _subjects_in_order(html: str) -> list[str]:
    # Highlights are stripped so the subjects compare as written.
    subjects = re.findall(r'<span class="row-subject">(.*?)</span>', html)
    return [re.sub(r"</?mark>", "", s) for s in subjects]


@pytest.fixture
def ranked(inbox):
    """Three matches for "zipper": only in the text (the oldest, so first by waiting time), in
    the subject, and in the subject and the text (the newest)."""
    in_text = conversation_for(
        inbox, subject="Jacket question", body_text="Does the jacket have a zipper?"
    )
    in_subject = conversation_for(inbox, subject="Zipper broken", body_text="See photo.")
    both = conversation_for(
        inbox, subject="Zipper stuck again", body_text="The zipper is stuck, zipper pull gone."
    )
    conversation_for(inbox, subject="Delivery time", body_text="When will it arrive?")
    return in_subject, both, in_text


def test_a_text_search_is_ranked_best_match_first(agent_client, ranked):
    html = agent_client.get(INBOX_URL, {"q": "zipper"}).content.decode()
    subjects = _subjects_in_order(html)
    # Subject matches first (bm25 / ts_rank weigh the subject most), the text-only match last.
    assert subjects[-1] == "Jacket question"
    assert set(subjects[:2]) == {"Zipper broken", "Zipper stuck again"}
    assert "Delivery time" not in subjects
    assert '<option value="relevance" selected>' in html


def test_the_sort_control_still_orders_search_results(agent_client, ranked):
    html = agent_client.get(INBOX_URL, {"q": "zipper", "sort": "newest"}).content.decode()
    assert _subjects_in_order(html) == ["Zipper stuck again", "Zipper broken", "Jacket question"]
    html = agent_client.get(INBOX_URL, {"q": "zipper", "sort": "waiting"}).content.decode()
    assert _subjects_in_order(html) == ["Jacket question", "Zipper broken", "Zipper stuck again"]


def test_best_match_is_offered_only_while_searching(agent_client, ranked):
    assert 'value="relevance"' not in agent_client.get(INBOX_URL).content.decode()
    # A relevance link without a query falls back to the waiting order instead of failing.
    response = agent_client.get(INBOX_URL, {"sort": "relevance", "folder": "all"})
    assert response.status_code == 200


def test_the_number_of_results_is_shown(agent_client, ranked):
    html = agent_client.get(INBOX_URL, {"q": "zipper"}).content.decode()
    assert "3 conversations match “zipper”" in html
    html = agent_client.get(INBOX_URL, {"q": '"zipper pull"'}).content.decode()
    assert "1 conversation matches “&quot;zipper pull&quot;”" in html


def test_the_count_follows_the_filters(agent_client, agent, ranked):
    in_subject, _, _ = ranked
    Conversation.objects.filter(pk=in_subject.pk).update(status="pending")
    html = agent_client.get(INBOX_URL, {"q": "zipper", "folder": "pending"}).content.decode()
    assert "1 conversation matches" in html
    assert _subjects_in_order(html) == ["Zipper broken"]


def test_at_the_search_limit_the_count_says_or_more(agent_client, ranked, monkeypatch):
    monkeypatch.setattr("carefront.web.views.inbox.SEARCH_LIMIT", 2)
    html = agent_client.get(INBOX_URL, {"q": "zipper"}).content.decode()
    assert "2 or more conversations match “zipper”" in html


def test_matched_words_are_highlighted_after_escaping(agent_client, inbox):
    conversation_for(
        inbox,
        subject="<b>Zipper</b> & café <script>x</script>",
        body_text="The zipper of my Café jacket",
    )
    html = agent_client.get(INBOX_URL, {"q": "zipper cafe"}).content.decode()
    assert "&lt;b&gt;<mark>Zipper</mark>&lt;/b&gt; &amp; <mark>café</mark> &lt;script&gt;" in html
    assert "<script>x" not in html
    assert "The <mark>zipper</mark> of my <mark>Café</mark> jacket" in html


def test_phrases_and_prefixes_are_highlighted_as_searched(agent_client, inbox):
    conversation_for(inbox, subject="Coffee-grinder noise", body_text="Unzipped zippers, grind")
    html = agent_client.get(INBOX_URL, {"q": '"coffee grinder" zip*'}).content.decode()
    assert "<mark>Coffee-grinder</mark> noise" in html
    # A prefix marks whole words that start with it, not words that merely contain it.
    assert "Unzipped <mark>zippers</mark>, grind" in html
    html = agent_client.get(INBOX_URL, {"q": "grind"}).content.decode()
    assert "Unzipped zippers, <mark>grind</mark>" in html
    assert "<mark>Coffee" not in html


def test_an_empty_result_says_so_and_hides_the_bulk_bar(agent_client, ranked):
    html = agent_client.get(INBOX_URL, {"q": "unobtainium"}).content.decode()
    assert "No conversation matches “unobtainium” here." in html
    assert "0 conversations match" in html
    assert 'id="bulk-form"' not in html
    html = agent_client.get(INBOX_URL, {"q": "zipper"}).content.decode()
    assert 'id="bulk-form"' in html


def test_an_empty_folder_hides_the_bulk_bar(agent_client, inbox):
    html = agent_client.get(INBOX_URL, {"folder": "pending"}).content.decode()
    assert "No conversations here." in html
    assert 'id="bulk-form"' not in html


def _next_cursor(html: str) -> str | None:
    found = re.search(r'id="conversation-list-more".*?cursor=([\w-]+)', html, re.S)
    return found.group(1) if found else None


def test_ranked_results_page_on_without_repeats(agent_client, inbox, monkeypatch):
    monkeypatch.setattr("carefront.web.views.inbox.PAGE_SIZE", 2)
    for i in range(5):
        conversation_for(inbox, subject=f"Refund {i}", body_text="refund please")
    first = agent_client.get(INBOX_URL, {"q": "refund"}).content.decode()
    seen = _subjects_in_order(first)
    first_cursor = cursor = _next_cursor(first)
    for _ in range(5):
        if cursor is None:
            break
        page = agent_client.get(INBOX_URL, {"q": "refund", "cursor": cursor}).content.decode()
        seen += _subjects_in_order(page)
        cursor = _next_cursor(page)
    assert cursor is None
    assert sorted(seen) == [f"Refund {i}" for i in range(5)]
    # A cursor made for another order is refused clearly.
    response = agent_client.get(
        INBOX_URL, {"q": "refund", "sort": "newest", "cursor": first_cursor}
    )
    assert response.status_code == 400


def _search_queries(client, query: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(INBOX_URL, {"q": query})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_a_search_page_costs_the_same_for_few_and_many_results(agent_client, agent, inbox):
    for i in range(3):
        conversation_for(inbox, subject=f"Parcel {i}", body_text="parcel lost")
    _search_queries(agent_client, "parcel")  # warm the caches
    few = _search_queries(agent_client, "parcel")
    for i in range(30):
        conversation = conversation_for(inbox, subject=f"Parcel more {i}", body_text="parcel")
        conversation_reply(conversation=conversation, author=agent, body="On its way")
    _search_queries(agent_client, "parcel")
    many = _search_queries(agent_client, "parcel")
    assert few == many
    # The agent, their inboxes (search scope), the search, the ranked ids that pass the
    # filters, the page's rows, their tags and which of them have an open recovery task.
    assert many == 7
