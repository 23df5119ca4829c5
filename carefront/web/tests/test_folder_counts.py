"""Folder counts in the inbox: cached, bounded, and moved on when conversations change."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.conversations import selectors
from carefront.conversations.models import Status
from carefront.conversations.selectors import folder_counts
from carefront.conversations.services import conversation_assign, conversation_set_status
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db

INBOX_URL = reverse("web:inbox")


def _shown_counts(html: str) -> dict[str, str]:
    start = html.index('class="folders"')
    nav = html[start : html.index("</nav>", start)]
    pairs = re.findall(r"folder=(\w+)[^>]*>[^<]*<span class=\"folder-count\">([^<]+)</span>", nav)
    return dict(pairs)


@pytest.fixture
def always_recount(monkeypatch):
    """No grace period: a moved generation recounts at the next view."""
    monkeypatch.setattr(selectors, "FOLDER_COUNTS_FRESH_SECONDS", 0)


def test_folders_show_their_counts(agent_client, agent, inbox, outsider, always_recount):
    mine = conversation_for(inbox)
    conversation_assign(conversation=mine, assignee=agent, actor=agent)
    conversation_for(inbox)
    pending = conversation_for(inbox)
    conversation_set_status(conversation=pending, status=Status.PENDING, actor=agent)
    solved = conversation_for(inbox)
    conversation_set_status(conversation=solved, status=Status.SOLVED, actor=agent)
    html = agent_client.get(INBOX_URL).content.decode()
    assert _shown_counts(html) == {
        "mine": "1",
        "unassigned": "1",
        "open": "2",
        "pending": "1",
        "snoozed": "0",
        "solved": "1",
    }


def test_counts_follow_the_agents_scope(outsider_client, inbox, always_recount):
    conversation_for(inbox)
    html = outsider_client.get(INBOX_URL).content.decode()
    assert _shown_counts(html)["open"] == "0"


@pytest.mark.django_db(transaction=True)
def test_a_change_moves_the_counts_on_when_it_commits(agent_client, agent, inbox, always_recount):
    conversation = conversation_for(inbox)
    assert _shown_counts(agent_client.get(INBOX_URL).content.decode())["open"] == "1"
    conversation_set_status(conversation=conversation, status=Status.SOLVED, actor=agent)
    counts = _shown_counts(agent_client.get(INBOX_URL).content.decode())
    assert (counts["open"], counts["solved"]) == ("0", "1")
    conversation_for(inbox)  # a new conversation (bulk insert: its event moves the counts)
    assert _shown_counts(agent_client.get(INBOX_URL).content.decode())["open"] == "1"


@pytest.mark.django_db(transaction=True)
def test_counts_lag_a_change_by_at_most_the_grace_period(agent, inbox, monkeypatch):
    conversation = conversation_for(inbox)
    clock = [1000.0]
    monkeypatch.setattr(selectors.time, "time", lambda: clock[0])
    assert folder_counts(actor=agent)["open"].count == 1
    conversation_set_status(conversation=conversation, status=Status.SOLVED, actor=agent)
    clock[0] += 1
    assert folder_counts(actor=agent)["open"].count == 1  # within the grace period: cached
    clock[0] += selectors.FOLDER_COUNTS_FRESH_SECONDS
    assert folder_counts(actor=agent)["open"].count == 0


def test_counts_stop_at_the_cap(agent_client, inbox, monkeypatch, always_recount):
    monkeypatch.setattr(selectors, "FOLDER_COUNT_CAP", 3)
    for _ in range(4):
        conversation_for(inbox)
    counts = _shown_counts(agent_client.get(INBOX_URL).content.decode())
    assert counts["open"] == "2+"
    assert counts["pending"] == "0"


def test_cached_counts_cost_no_query_and_a_recount_is_six(agent, inbox, always_recount):
    conversation_for(inbox)
    cache.clear()
    folder_counts(actor=agent)  # caches the agent's inboxes too
    selectors.FOLDER_COUNTS.bump()
    with CaptureQueriesContext(connection) as recount:
        folder_counts(actor=agent)
    with CaptureQueriesContext(connection) as cached:
        folder_counts(actor=agent)
    assert len(recount.captured_queries) == 6
    assert all("LIMIT" in q["sql"].upper() for q in recount.captured_queries)
    assert len(cached.captured_queries) == 0
