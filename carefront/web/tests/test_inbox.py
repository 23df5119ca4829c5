import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.conversations.models import Status
from carefront.conversations.services import conversation_assign, conversation_set_tags
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db

INBOX_URL = reverse("web:inbox")


def _queries_for_inbox(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(INBOX_URL, {"folder": "all"})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _make(inbox, agent, n: int) -> None:
    for i in range(n):
        conversation = conversation_for(inbox, subject=f"Question {i}")
        conversation_assign(conversation=conversation, assignee=agent, actor=agent)
        conversation_set_tags(
            conversation=conversation, names=["billing", f"t{i % 3}"], actor=agent
        )


def test_inbox_lists_open_conversations_with_customer_subject_and_waiting_time(
    agent_client, conversation
):
    response = agent_client.get(INBOX_URL)
    html = response.content.decode()
    assert "Ana Lima" in html
    assert "Where is my parcel?" in html
    assert "waiting" in html
    assert "Unassigned" in html


def _cold_and_warm(client) -> tuple[int, int]:
    cache.clear()
    return _queries_for_inbox(client), _queries_for_inbox(client)


def test_inbox_query_count_does_not_grow_with_rows(agent_client, inbox, agent):
    _make(inbox, agent, 5)
    small = _cold_and_warm(agent_client)
    _make(inbox, agent, 45)
    large = _cold_and_warm(agent_client)
    assert small == large
    # Warm: the agent, the page of conversations, their tag names, which of them have an open
    # recovery task. The session and the lists for the filters (inboxes, teams, agents, tags)
    # come from the cache.
    assert large[1] == 4
    # Cold: also the six bounded folder counts, the agent's inboxes (for their scope), the
    # business calendars (none here: one query) and the bell's bounded unread count.
    assert large[0] == 18


def test_a_new_team_shows_in_the_filters_at_once(admin_client, agent_client):
    agent_client.get(INBOX_URL)
    admin_client.post(reverse("web:manage_team_new"), {"name": "Night shift"})
    assert "Night shift" in agent_client.get(INBOX_URL).content.decode()


def test_inbox_hides_conversations_of_other_teams(outsider_client, conversation):
    response = outsider_client.get(INBOX_URL, {"folder": "all"})
    assert "Where is my parcel?" not in response.content.decode()


def test_mine_folder_shows_only_my_conversations(agent_client, agent, inbox):
    mine = conversation_for(inbox, subject="Mine for sure")
    conversation_assign(conversation=mine, assignee=agent, actor=agent)
    conversation_for(inbox, subject="Nobody's")
    html = agent_client.get(INBOX_URL, {"folder": "mine"}).content.decode()
    assert "Mine for sure" in html
    assert "Nobody&#x27;s" not in html and "Nobody's" not in html


def test_tag_filter_narrows_the_list(agent_client, agent, inbox):
    tagged = conversation_for(inbox, subject="Tagged one")
    conversation_set_tags(conversation=tagged, names=["refund"], actor=agent)
    conversation_for(inbox, subject="Plain one")
    html = agent_client.get(INBOX_URL, {"tag": "refund"}).content.decode()
    assert "Tagged one" in html
    assert "Plain one" not in html


def test_status_filter_and_solved_folder(agent_client, agent, inbox):
    from carefront.conversations.services import conversation_set_status

    done = conversation_for(inbox, subject="Done already")
    conversation_set_status(conversation=done, status=Status.SOLVED, actor=agent)
    assert "Done already" not in agent_client.get(INBOX_URL).content.decode()
    assert "Done already" in agent_client.get(INBOX_URL, {"folder": "solved"}).content.decode()


def test_next_page_link_pages_through_with_a_cursor(agent_client, inbox, monkeypatch):
    monkeypatch.setattr("carefront.web.views.inbox.PAGE_SIZE", 2)
    for i in range(3):
        conversation_for(inbox, subject=f"Paged {i}")
    first = agent_client.get(INBOX_URL)
    assert first.context["page"].next_cursor
    html = first.content.decode()
    assert "Next page" in html
    second = agent_client.get(INBOX_URL, {"cursor": first.context["page"].next_cursor})
    subjects = [c.subject for c in second.context["page"].items]
    assert subjects == ["Paged 2"]


def test_load_more_with_htmx_returns_only_rows(agent_client, inbox, monkeypatch):
    monkeypatch.setattr("carefront.web.views.inbox.PAGE_SIZE", 1)
    conversation_for(inbox, subject="First row")
    conversation_for(inbox, subject="Second row")
    cursor = agent_client.get(INBOX_URL).context["page"].next_cursor
    response = agent_client.get(
        INBOX_URL,
        {"cursor": cursor},
        headers={"HX-Request": "true", "HX-Target": "conversation-list-more"},
    )
    html = response.content.decode()
    assert "Second row" in html
    assert "<html" not in html


def test_bad_cursor_is_a_clear_400(agent_client):
    response = agent_client.get(INBOX_URL, {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "cursor" in response.content.decode()


def test_search_box_uses_conversation_search(agent_client, agent, inbox, monkeypatch):
    wanted = conversation_for(inbox, subject="Broken zipper")
    conversation_for(inbox, subject="Something else")
    calls = []

    def conversation_search(*, actor, query, limit):
        calls.append((actor, query))
        return [wanted.pk]

    monkeypatch.setattr("carefront.web.views.inbox.conversation_search", conversation_search)
    html = agent_client.get(INBOX_URL, {"q": "zipper"}).content.decode()
    assert calls == [(agent, "zipper")]
    assert "Broken <mark>zipper</mark>" in html
    assert "Something else" not in html


def test_search_box_finds_conversations_through_full_text_search(agent_client, inbox):
    conversation_for(inbox, subject="Broken zipper on my jacket")
    conversation_for(inbox, subject="Delivery time")
    html = agent_client.get(INBOX_URL, {"q": "zipper"}).content.decode()
    assert "Broken <mark>zipper</mark> on my jacket" in html
    assert "Delivery time" not in html


def test_search_never_shows_conversations_of_other_teams(outsider_client, inbox):
    conversation_for(inbox, subject="Broken zipper on my jacket")
    html = outsider_client.get(INBOX_URL, {"q": "zipper"}).content.decode()
    assert "Broken zipper" not in html


def test_inbox_rows_escape_what_customers_write(agent_client, inbox):
    conversation_for(
        inbox, from_name="<b>Eve</b>", subject="<script>alert(1)</script>", body_text="<img>"
    )
    html = agent_client.get(INBOX_URL).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html
    assert "<script>alert" not in html


def test_inbox_rows_show_status_assignee_and_tags(agent_client, agent, inbox):
    _make(inbox, agent, 1)
    html = agent_client.get(INBOX_URL).content.decode()
    assert 'class="badge badge-open">Open<' in html
    assert f'<span class="row-assignee">{agent.name}</span>' in html
    assert '<span class="tag">billing</span>' in html


BULK_URL = reverse("web:inbox_bulk")


def test_bulk_change_assigns_and_solves_the_ticked_conversations(agent_client, agent, inbox):
    picked = [conversation_for(inbox, subject=f"Bulk {i}") for i in range(3)]
    untouched = conversation_for(inbox, subject="Left alone")
    response = agent_client.post(
        BULK_URL,
        {
            "ids": [c.pk for c in picked],
            "assignee": "me",
            "status": "solved",
            "next": "/?folder=all",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/?folder=all"
    assert "3 conversations changed." in response.content.decode()
    for conversation in picked:
        conversation.refresh_from_db()
        assert (conversation.assignee_id, conversation.status) == (agent.pk, "solved")
    untouched.refresh_from_db()
    assert (untouched.assignee_id, untouched.status) == (None, "open")


def test_bulk_change_ignores_conversations_of_other_teams(outsider_client, conversation):
    response = outsider_client.post(
        BULK_URL, {"ids": [conversation.pk], "status": "closed"}, follow=True
    )
    assert "0 conversations changed." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == "open"


def test_bulk_assignment_to_an_agent_who_cannot_see_one_inbox_reports_it(
    agent_client, agent, outsider, inbox, conversation
):
    response = agent_client.post(
        BULK_URL, {"ids": [conversation.pk], "assignee": str(outsider.pk)}, follow=True
    )
    html = response.content.decode()
    assert "0 conversations changed." in html
    assert f"#{conversation.pk}:" in html
    conversation.refresh_from_db()
    assert conversation.assignee_id is None


def test_bulk_change_without_a_choice_or_a_tick_changes_nothing(agent_client, conversation):
    response = agent_client.post(BULK_URL, {"ids": [conversation.pk]}, follow=True)
    assert "Choose an assignee, a status or a priority" in response.content.decode()
    response = agent_client.post(BULK_URL, {"status": "solved"}, follow=True)
    assert "Tick the conversations to change first." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == "open"


def test_bulk_change_refuses_bad_ids_and_foreign_next_urls(agent_client, conversation):
    response = agent_client.post(BULK_URL, {"ids": ["x"], "status": "solved"})
    assert response.status_code == 400
    response = agent_client.post(
        BULK_URL,
        {"ids": [conversation.pk], "status": "pending", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("web:inbox")


def test_inbox_rows_have_a_tick_box_bound_to_the_bulk_form(agent_client, conversation):
    html = agent_client.get(INBOX_URL).content.decode()
    assert f'name="ids" value="{conversation.pk}" form="bulk-form"' in html
    assert 'id="bulk-form"' in html


def test_recently_updated_sort_is_offered_and_pages(agent_client, inbox):
    from carefront.conversations.tests.factories import conversation_for

    made = [conversation_for(inbox) for _ in range(3)]
    page = agent_client.get("/", {"sort": "updated", "folder": "all"}).content.decode()
    assert 'value="updated"' in page
    positions = [page.index(c.subject) for c in reversed(made)]
    assert positions == sorted(positions)


def test_assignee_filter_finds_unassigned_conversations_of_any_status(agent_client, agent, inbox):
    from carefront.conversations.services import conversation_set_status

    taken = conversation_for(inbox, subject="Taken by the agent")
    conversation_assign(conversation=taken, assignee=agent, actor=agent)
    waiting = conversation_for(inbox, subject="Waiting for someone")
    solved = conversation_for(inbox, subject="Solved without owner")
    conversation_set_status(conversation=solved, status=Status.SOLVED, actor=agent)
    assert waiting.assignee_id is None

    html = agent_client.get(INBOX_URL, {"folder": "all", "assignee": "none"}).content.decode()
    assert "Waiting for someone" in html
    assert "Solved without owner" in html
    assert "Taken by the agent" not in html
    assert '<option value="none" selected>' in html
    # A value that is neither an id nor "none" is dropped: everyone's conversations.
    html = agent_client.get(INBOX_URL, {"folder": "all", "assignee": "nobody"}).content.decode()
    assert "Taken by the agent" in html and "Waiting for someone" in html
