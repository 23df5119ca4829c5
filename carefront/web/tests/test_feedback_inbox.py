"""The feedback inbox page: leads and admins only, filters, keyset pages, constant queries,
and the theme edits through the UI."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.feedback.models import FeedbackComment, Theme
from carefront.feedback.services import themes_regroup
from carefront.feedback.tests.factories import comment
from carefront.feedback.tests.test_themes import TOPICS
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db

URL = reverse("web:feedback")


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD)
    team.members.add(lead)
    return lead


@pytest.fixture
def lead_client(lead) -> Client:
    client = Client()
    client.force_login(lead)
    return client


@pytest.fixture
def grouped(db):
    rows = {topic: [comment(text) for text in texts] for topic, texts in TOPICS.items()}
    themes_regroup(k=3)
    return rows


def shown(response) -> list[int]:
    return [c.pk for c in response.context["page"].items]


def test_agents_get_403_and_strangers_the_login(agent_client):
    assert agent_client.get(URL).status_code == 403
    assert agent_client.get(reverse("web:feedback_themes")).status_code == 403
    assert agent_client.post(reverse("web:feedback_regroup")).status_code == 403
    assert Client().get(URL).status_code == 302


def test_leads_and_admins_see_every_comment_newest_first(lead_client, admin_client, agent):
    old = comment("Old one", created_at=timezone.now() - dt.timedelta(days=3))
    new = comment("New one", agent_id=agent.pk)
    for client in (lead_client, admin_client):
        response = client.get(URL)
        assert response.status_code == 200
        assert shown(response) == [new.pk, old.pk]
        body = response.content.decode()
        assert "New one" in body
        assert agent.name in body
    assert 'href="/feedback/"' in lead_client.get(reverse("web:inbox")).content.decode()


def test_the_nav_link_is_not_shown_to_agents(agent_client):
    assert 'href="/feedback/"' not in agent_client.get(reverse("web:inbox")).content.decode()


def test_filters(lead_client, agent, admin):
    inbox = InboxFactory()
    bad = comment("Bad", sentiment=-1, inbox_id=inbox.pk, agent_id=agent.pk)
    good = comment("Good", sentiment=1, source="csat", agent_id=admin.pk)
    old = comment("Old", sentiment=0, created_at=timezone.now() - dt.timedelta(days=40))
    assert shown(lead_client.get(URL, {"sentiment": "-1"})) == [bad.pk]
    assert shown(lead_client.get(URL, {"sentiment": "1"})) == [good.pk]
    assert shown(lead_client.get(URL, {"source": "csat"})) == [good.pk]
    assert shown(lead_client.get(URL, {"inbox": inbox.pk})) == [bad.pk]
    assert shown(lead_client.get(URL, {"agent": admin.pk})) == [good.pk]
    until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    assert shown(lead_client.get(URL, {"until": until})) == [old.pk]
    since = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert shown(lead_client.get(URL, {"since": since})) == [good.pk, bad.pk]
    # Bad values are dropped, not a 500.
    response = lead_client.get(URL, {"sentiment": "7", "since": "yesterday", "inbox": "x"})
    assert response.status_code == 200
    assert len(shown(response)) == 3


def test_theme_filter_and_no_theme(lead_client, grouped):
    theme = FeedbackComment.objects.get(pk=grouped["refund"][0].pk).theme
    response = lead_client.get(URL, {"theme": theme.pk})
    assert set(shown(response)) == {c.pk for c in grouped["refund"]}
    assert response.context["current_theme"] == theme
    stray = comment("Zebra giraffe elephant")
    assert shown(lead_client.get(URL, {"theme": "none"})) == [stray.pk]
    assert lead_client.get(URL, {"theme": 999999}).status_code == 404


def test_pages_follow_each_other_without_gaps(lead_client, monkeypatch):
    now = timezone.now()
    # Several comments at the same instant: the id breaks the tie.
    ids = [
        comment(f"Comment {i}", created_at=now - dt.timedelta(hours=i // 3)).pk for i in range(7)
    ]
    from carefront.web.views import feedback

    monkeypatch.setattr(feedback, "PAGE_SIZE", 3)
    seen, cursor = [], None
    while True:
        response = lead_client.get(URL, {"cursor": cursor} if cursor else {})
        assert len(shown(response)) <= 3
        seen += shown(response)
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    expected = [
        pk
        for pk, _when in sorted(
            FeedbackComment.objects.values_list("pk", "created_at"),
            key=lambda r: (r[1], r[0]),
            reverse=True,
        )
    ]
    assert seen == expected
    assert sorted(seen) == sorted(ids)
    assert lead_client.get(URL, {"cursor": "garbage"}).status_code == 400


def test_the_page_costs_the_same_queries_for_few_and_many_comments(
    lead_client, django_assert_num_queries, agent
):
    for i in range(3):
        comment(f"Few {i}", agent_id=agent.pk)
    lead_client.get(URL)  # warm the cached lists (inboxes, agents)
    # The agent (the session is cached), the page, the themes, the latest grouping, the
    # comments in no theme, the improvements to link to.
    with django_assert_num_queries(6) as few:
        lead_client.get(URL, {"sentiment": "-1"})
    for i in range(30):
        comment(f"Many more {i}", agent_id=agent.pk)
    Theme.objects.create(name="Extra", comment_count=3)
    with django_assert_num_queries(len(few.captured_queries)):
        lead_client.get(URL, {"sentiment": "-1"})


def test_rename_merge_split_and_move_through_the_ui(lead_client, grouped):
    refund = FeedbackComment.objects.get(pk=grouped["refund"][0].pk).theme
    password = FeedbackComment.objects.get(pk=grouped["password"][0].pk).theme
    response = lead_client.post(
        reverse("web:feedback_theme_rename", args=[refund.pk]), {"name": "Refunds late"}
    )
    assert response.status_code == 303
    refund.refresh_from_db()
    assert refund.name == "Refunds late"

    page = lead_client.get(URL, {"theme": refund.pk}).content.decode()
    assert "data-theme-tools" in page
    assert "Refunds late" in page

    response = lead_client.post(
        reverse("web:feedback_theme_merge", args=[password.pk]), {"into": refund.pk}
    )
    assert response.status_code == 303
    assert not Theme.objects.filter(pk=password.pk).exists()
    refund.refresh_from_db()
    assert refund.comment_count == 12

    response = lead_client.post(reverse("web:feedback_theme_split", args=[refund.pk]))
    assert response.status_code == 303
    assert Theme.objects.count() == 3

    moved = grouped["agent"][0]
    response = lead_client.post(
        reverse("web:feedback_move"),
        {"comment": [moved.pk], "theme": "new", "new_theme": "Kind words", "back": "?sentiment=-1"},
    )
    assert response.status_code == 303
    assert response["Location"] == URL + "?sentiment=-1"
    moved.refresh_from_db()
    assert moved.theme.name == "Kind words"
    assert moved.theme_set_by_lead


def test_bad_edits_answer_400_and_change_nothing(lead_client, grouped):
    theme = Theme.objects.first()
    response = lead_client.post(
        reverse("web:feedback_theme_rename", args=[theme.pk]), {"name": "  "}
    )
    assert response.status_code == 400
    assert lead_client.post(reverse("web:feedback_theme_merge", args=[theme.pk])).status_code == 400
    response = lead_client.post(reverse("web:feedback_move"), {"theme": "new", "new_theme": "X"})
    assert response.status_code == 400
    assert not Theme.objects.filter(name="X").exists()
    response = lead_client.post(reverse("web:feedback_theme_split", args=[999999]))
    assert response.status_code == 404
    assert lead_client.get(reverse("web:feedback_theme_split", args=[theme.pk])).status_code == 405


def test_regroup_now_groups_every_comment(lead_client, grouped):
    comment("Zebra giraffe elephant")
    response = lead_client.post(reverse("web:feedback_regroup"))
    assert response.status_code == 303
    from carefront.feedback.models import ThemeRun

    run = ThemeRun.objects.order_by("-pk").first()
    assert run.trigger == "lead"
    assert run.comments == 19


def test_themes_over_time_shows_weekly_counts_growing_first(lead_client, grouped):
    refund = FeedbackComment.objects.get(pk=grouped["refund"][0].pk).theme
    # Move two password comments six weeks back: the refund theme grew, password did not.
    password_ids = [c.pk for c in grouped["password"]]
    FeedbackComment.objects.filter(pk__in=password_ids).update(
        created_at=timezone.now() - dt.timedelta(weeks=6)
    )
    response = lead_client.get(reverse("web:feedback_themes"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows[0]["theme"] is not None
    by_theme = {r["theme"].pk: r for r in rows if r["theme"]}
    assert by_theme[refund.pk]["weekly"][-1] == 6
    assert by_theme[refund.pk]["growing"]
    password = FeedbackComment.objects.get(pk=password_ids[0]).theme
    assert sum(by_theme[password.pk]["weekly"]) == 6
    assert by_theme[password.pk]["weekly"][-1] == 0
    assert not by_theme[password.pk]["growing"]
    assert rows[-1]["theme"].pk == password.pk
    assert "<polyline" in response.content.decode()
