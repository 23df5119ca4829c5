"""Conversation priority in the workspace: the sidebar control, the inbox badge, filter, sort
and bulk change, the timeline line, and constant query counts."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.conversations.models import Conversation, EventKind, Priority
from carefront.conversations.services import conversation_set_priority
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db

INBOX_URL = reverse("web:inbox")
BULK_URL = reverse("web:inbox_bulk")


def _priority_url(conversation) -> str:
    return reverse("web:conversation_priority", args=[conversation.pk])


def _page(client, conversation) -> str:
    response = client.get(reverse("web:conversation", args=[conversation.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _subjects(client, **params) -> list[str]:
    response = client.get(INBOX_URL, params)
    assert response.status_code == 200
    return [c.subject for c in response.context["page"].items]


def test_the_sidebar_offers_the_four_priorities_with_the_current_one_pressed(
    agent_client, conversation
):
    html = _page(agent_client, conversation)
    assert 'aria-labelledby="priority-title"' in html
    for name in ("low", "normal", "high", "urgent"):
        assert f'name="priority" value="{name}"' in html
    assert 'value="normal" class="button is-current" aria-pressed="true"' in html
    # The keyboard's p / P press the levels next to the current one.
    assert 'value="high" class="button" data-shortcut-priority-up' in html
    assert 'value="low" class="button" data-shortcut-priority-down' in html


def test_the_sidebar_form_raises_the_priority_and_the_timeline_says_so(
    agent_client, agent, conversation
):
    response = agent_client.post(_priority_url(conversation), {"priority": "urgent"})
    assert response.status_code == 303
    conversation.refresh_from_db()
    assert conversation.priority == Priority.URGENT
    html = _page(agent_client, conversation)
    assert f"{agent.name} raised the priority to urgent" in html
    assert "Urgent priority" in html  # the header badge
    assert 'value="urgent" class="button is-current" aria-pressed="true"' in html
    # At the top there is nothing to raise to.
    assert "data-shortcut-priority-up" not in html

    agent_client.post(_priority_url(conversation), {"priority": "low"})
    html = _page(agent_client, conversation)
    assert f"{agent.name} lowered the priority to low" in html
    assert conversation.events.filter(kind=EventKind.PRIORITY_CHANGED).count() == 2


def test_an_unknown_priority_is_a_clear_400_and_changes_nothing(agent_client, conversation):
    response = agent_client.post(_priority_url(conversation), {"priority": "asap"})
    assert response.status_code == 400
    assert "Choose a priority." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.priority == Priority.NORMAL


def test_inbox_rows_flag_high_and_urgent_in_words(agent_client, agent, inbox):
    calm = conversation_for(inbox, subject="Calm one")
    high = conversation_for(inbox, subject="High one")
    urgent = conversation_for(inbox, subject="Urgent one")
    conversation_set_priority(conversation=high, priority="high", actor=agent)
    conversation_set_priority(conversation=urgent, priority="urgent", actor=agent)
    html = agent_client.get(INBOX_URL).content.decode()

    def row(conversation) -> str:
        start = html.index(f'data-id="{conversation.pk}"')
        return html[start : html.index("</li>", start)]

    assert "badge-priority" not in row(calm)
    assert 'badge-priority-high" title="Priority: High">High</span>' in row(high)
    assert 'badge-priority-urgent" title="Priority: Urgent">Urgent</span>' in row(urgent)


def test_priority_filter_narrows_the_list_and_marks_filters_in_use(agent_client, agent, inbox):
    urgent = conversation_for(inbox, subject="Server down")
    conversation_for(inbox, subject="Question about invoices")
    conversation_set_priority(conversation=urgent, priority="urgent", actor=agent)
    response = agent_client.get(INBOX_URL, {"priority": "urgent"})
    assert [c.subject for c in response.context["page"].items] == ["Server down"]
    html = response.content.decode()
    assert '<option value="urgent" selected>Urgent</option>' in html
    assert "in use" in html
    # An unknown value is dropped, as other bad filter values are: every row shows.
    assert len(_subjects(agent_client, priority="loud")) == 2


def test_highest_priority_first_sort_pages_through_in_order(
    agent_client, agent, inbox, monkeypatch
):
    monkeypatch.setattr("carefront.web.views.inbox.PAGE_SIZE", 2)
    levels = {"A": "low", "B": "urgent", "C": "normal", "D": "high", "E": "urgent"}
    for subject, level in levels.items():
        conversation = conversation_for(inbox, subject=subject)
        conversation_set_priority(conversation=conversation, priority=level, actor=agent)
    seen, cursor = [], None
    while True:
        params = {"sort": "priority", **({"cursor": cursor} if cursor else {})}
        response = agent_client.get(INBOX_URL, params)
        seen += [c.subject for c in response.context["page"].items]
        cursor = response.context["page"].next_cursor
        if cursor is None:
            break
    # Urgent first (the one waiting longer before the other), then high, normal, low.
    assert seen == ["B", "E", "D", "C", "A"]
    html = agent_client.get(INBOX_URL).content.decode()
    assert '<option value="priority">Highest priority first</option>' in html


def test_bulk_change_sets_the_priority_of_the_ticked_conversations(agent_client, inbox):
    ticked = [conversation_for(inbox) for _ in range(2)]
    untouched = conversation_for(inbox)
    response = agent_client.post(
        BULK_URL, {"ids": [c.pk for c in ticked], "priority": "high"}, follow=True
    )
    assert "2 conversations changed." in response.content.decode()
    assert 'id="bulk-priority"' in response.content.decode()
    priorities = dict(Conversation.objects.values_list("pk", "priority"))
    assert [priorities[c.pk] for c in ticked] == [Priority.HIGH, Priority.HIGH]
    assert priorities[untouched.pk] == Priority.NORMAL


def test_bulk_change_refuses_an_unknown_priority(agent_client, conversation):
    response = agent_client.post(BULK_URL, {"ids": [conversation.pk], "priority": "asap"})
    assert response.status_code == 400
    conversation.refresh_from_db()
    assert conversation.priority == Priority.NORMAL


def _warm_queries(client, params: dict) -> int:
    client.get(INBOX_URL, params)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(INBOX_URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "params",
    [
        {"folder": "all", "sort": "priority"},
        {"folder": "open", "priority": "high"},
        {"folder": "all", "priority": "high", "sort": "priority"},
    ],
)
def test_priority_filter_and_sort_cost_the_same_queries_for_more_rows(
    agent_client, agent, inbox, params
):
    def make(n: int) -> None:
        for _ in range(n):
            conversation = conversation_for(inbox)
            conversation_set_priority(conversation=conversation, priority="high", actor=agent)

    make(3)
    cache.clear()
    small = _warm_queries(agent_client, params)
    make(30)
    large = _warm_queries(agent_client, params)
    # The agent, the page of conversations, their tag names, which have an open recovery task
    # (as the plain inbox).
    assert small == large == 4


def test_the_shortcut_help_lists_the_priority_keys(agent_client):
    html = agent_client.get(INBOX_URL).content.decode()
    assert "<kbd>p</kbd> / <kbd>P</kbd>" in html
