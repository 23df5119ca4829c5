"""`/feedback/comments` and `/feedback/themes`: the feedback inbox through the API (filters,
keyset pages, a lead's edits to themes), leads and admins only, with forged ids and a
read-only token; constant query counts; the schema's literals."""

import datetime as dt
from typing import get_args

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carefront.accounts.models import Role, TokenScope
from carefront.accounts.tests.factories import AgentFactory
from carefront.api.schemas_feedback import CommentSourceName, SentimentName
from carefront.api.tests.conftest import token_client
from carefront.customers.tests.factories import CustomerFactory
from carefront.feedback.models import CommentSource, FeedbackComment, Sentiment, Theme
from carefront.feedback.services import themes_regroup
from carefront.feedback.tests.factories import comment
from carefront.feedback.tests.test_themes import TOPICS

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


@pytest.fixture
def lead_api(lead):
    return token_client(lead)


@pytest.fixture
def grouped(db):
    """18 comments on three topics, grouped into three themes; by topic, newest first."""
    rows = {}
    for t, (topic, texts) in enumerate(TOPICS.items()):
        rows[topic] = [
            comment(text, created_at=NOW - dt.timedelta(days=3 * t, hours=i))
            for i, text in enumerate(texts)
        ]
    themes_regroup(k=3)
    return rows


def theme_of(topic_rows) -> Theme:
    return FeedbackComment.objects.get(pk=topic_rows[0].pk).theme


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_comments_newest_first_with_their_theme(lead_api, grouped):
    response = lead_api.get("/api/v1/feedback/comments?limit=100")
    expected = list(
        FeedbackComment.objects.order_by("-created_at", "-pk").values_list("pk", flat=True)
    )
    assert ids(response) == expected
    first = response.json()["items"][0]
    refund = theme_of(grouped["refund"])
    assert first["text"] == TOPICS["refund"][0]
    assert first["source"] == "nps"
    assert first["sentiment"] == "negative"
    assert first["theme"] == {"id": refund.pk, "name": refund.name}
    assert first["placed_by_lead"] is False
    assert set(first["customer"]) == {"id", "name", "email"}


def test_comment_filters(lead_api, grouped, inbox, agent):
    customer = CustomerFactory()
    happy = comment(
        "Great help",
        customer=customer,
        sentiment=Sentiment.POSITIVE,
        source=CommentSource.CSAT,
        score=3,
        inbox_id=inbox.pk,
        agent_id=agent.pk,
        created_at=NOW - dt.timedelta(days=40),
    )
    password = theme_of(grouped["password"])
    get = lead_api.get
    assert ids(get("/api/v1/feedback/comments?sentiment=positive")) == [happy.pk]
    assert ids(get("/api/v1/feedback/comments?source=csat")) == [happy.pk]
    assert ids(get(f"/api/v1/feedback/comments?inbox_id={inbox.pk}")) == [happy.pk]
    assert ids(get(f"/api/v1/feedback/comments?agent_id={agent.pk}")) == [happy.pk]
    assert ids(get("/api/v1/feedback/comments?theme=none")) == [happy.pk]
    assert set(ids(get(f"/api/v1/feedback/comments?theme={password.pk}&limit=100"))) == {
        c.pk for c in grouped["password"]
    }
    day = (NOW - dt.timedelta(days=40)).astimezone(timezone.get_current_timezone()).date()
    assert ids(get(f"/api/v1/feedback/comments?since={day}&until={day}")) == [happy.pk]
    assert happy.pk not in ids(get(f"/api/v1/feedback/comments?since={day + dt.timedelta(days=1)}"))
    item = get("/api/v1/feedback/comments?source=csat").json()["items"][0]
    assert (item["score"], item["score_label"]) == (3, "Great")
    assert item["inbox"] == {"id": inbox.pk, "name": inbox.name}
    assert item["agent"] == {"id": agent.pk, "name": agent.name}


@pytest.mark.parametrize(
    "query",
    [
        "sentiment=awful",
        "sentiment=-1",
        "source=email",
        "theme=some",
        "theme=0",
        "inbox_id=0",
        "since=yesterday",
        "limit=0",
        "limit=101",
    ],
)
def test_bad_filters_are_422(lead_api, query):
    assert lead_api.get(f"/api/v1/feedback/comments?{query}").status_code == 422


def test_comment_pages_follow_the_cursor(lead_api, grouped):
    seen, cursor = [], None
    for _ in range(10):
        url = "/api/v1/feedback/comments?limit=5" + (f"&cursor={cursor}" if cursor else "")
        body = lead_api.get(url).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == list(
        FeedbackComment.objects.order_by("-created_at", "-pk").values_list("pk", flat=True)
    )
    assert lead_api.get("/api/v1/feedback/comments?cursor=forged").status_code == 400


def test_comment_pages_cost_the_same_queries(lead_api, grouped, django_assert_max_num_queries):
    lead_api.get("/api/v1/feedback/comments?limit=5")
    with CaptureQueriesContext(connection) as small:
        lead_api.get("/api/v1/feedback/comments?limit=5")
    for i in range(30):
        comment(f"More about refunds {i}")
    with CaptureQueriesContext(connection) as large:
        assert lead_api.get("/api/v1/feedback/comments?limit=50").status_code == 200
    assert len(large) == len(small)


def test_themes_largest_first_with_counts_words_and_trend(lead_api, grouped):
    body = lead_api.get("/api/v1/feedback/themes").json()
    assert body["next_cursor"] is None
    assert len(body["items"]) == 3
    refund = theme_of(grouped["refund"])
    item = next(i for i in body["items"] if i["id"] == refund.pk)
    assert item["comment_count"] == 6
    assert "refund" in item["name"].lower()
    assert item["keywords"][0].lower() == "refund"
    trend = item["trend"]
    assert len(trend["weeks"]) == len(trend["counts"]) == 8
    assert sum(trend["counts"]) == 6 == trend["recent"] + trend["before"]
    # Pages of one: the same themes, largest first, each once.
    seen, cursor = [], None
    for _ in range(5):
        url = "/api/v1/feedback/themes?limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = lead_api.get(url).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [i["id"] for i in body["items"]]
    assert lead_api.get("/api/v1/feedback/themes?cursor=forged").status_code == 400


def test_growing_themes_first(lead_api, grouped):
    """Password complaints arrive this week, after a quiet month: the growing theme first."""
    password = theme_of(grouped["password"])
    refund = theme_of(grouped["refund"])
    # Refund comments all a month ago: shrinking.
    FeedbackComment.objects.filter(theme=refund).update(created_at=NOW - dt.timedelta(days=35))
    FeedbackComment.objects.filter(theme=password).update(created_at=NOW)
    from carefront.feedback.selectors import THEMES_GENERATION

    THEMES_GENERATION.changed()
    items = lead_api.get("/api/v1/feedback/themes?sort=growth").json()["items"]
    assert items[0]["id"] == password.pk
    assert items[0]["trend"]["growing"] is True
    assert items[-1]["id"] == refund.pk
    assert items[-1]["trend"]["growing"] is False


def test_rename_merge_split_and_move(lead_api, grouped):
    refund = theme_of(grouped["refund"])
    password = theme_of(grouped["password"])
    agent_theme = theme_of(grouped["agent"])

    response = lead_api.post(
        f"/api/v1/feedback/themes/{refund.pk}/rename",
        {"name": "  Refunds   late "},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Refunds late"
    assert response.json()["named_by_lead"] is True

    moved = [grouped["password"][0].pk, grouped["password"][1].pk]
    response = lead_api.post(
        "/api/v1/feedback/comments/move",
        {"comment_ids": moved, "theme_id": refund.pk},
        content_type="application/json",
    )
    assert response.json() == {"moved": 2, "theme": {"id": refund.pk, "name": "Refunds late"}}
    assert set(FeedbackComment.objects.filter(pk__in=moved).values_list("theme_id", flat=True)) == {
        refund.pk
    }

    response = lead_api.post(
        "/api/v1/feedback/comments/move",
        {"comment_ids": moved, "new_theme_name": "Reset links"},
        content_type="application/json",
    )
    new_theme = Theme.objects.get(name="Reset links")
    assert response.json()["theme"] == {"id": new_theme.pk, "name": "Reset links"}

    response = lead_api.post(
        "/api/v1/feedback/comments/move", {"comment_ids": moved}, content_type="application/json"
    )
    assert response.json() == {"moved": 2, "theme": None}
    assert not FeedbackComment.objects.filter(pk__in=moved, theme__isnull=False).exists()

    response = lead_api.post(
        f"/api/v1/feedback/themes/{password.pk}/merge",
        {"into_id": agent_theme.pk},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["id"] == agent_theme.pk
    assert response.json()["comment_count"] == 10
    assert not Theme.objects.filter(pk=password.pk).exists()

    response = lead_api.post(f"/api/v1/feedback/themes/{agent_theme.pk}/split")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kept"]["id"] == agent_theme.pk
    assert body["kept"]["comment_count"] + body["new"]["comment_count"] == 10
    assert body["kept"]["comment_count"] >= body["new"]["comment_count"] >= 1


def test_bad_edits_are_clear_errors_and_change_nothing(lead_api, grouped):
    refund = theme_of(grouped["refund"])
    before = list(FeedbackComment.objects.order_by("pk").values_list("pk", "theme_id"))
    post = lead_api.post
    json = "application/json"
    missing = Theme.objects.order_by("-pk").first().pk + 100
    assert post(f"/api/v1/feedback/themes/{missing}/rename", {"name": "X"}, json).status_code == 404
    assert (
        post(f"/api/v1/feedback/themes/{refund.pk}/rename", {"name": " "}, json).status_code == 400
    )
    long_name = {"name": "x" * 121}
    assert post(f"/api/v1/feedback/themes/{refund.pk}/rename", long_name, json).status_code == 422
    same = {"into_id": refund.pk}
    assert post(f"/api/v1/feedback/themes/{refund.pk}/merge", same, json).status_code == 400
    gone = {"into_id": missing}
    assert post(f"/api/v1/feedback/themes/{refund.pk}/merge", gone, json).status_code == 404
    assert post(f"/api/v1/feedback/themes/{missing}/split").status_code == 404
    forged = {"comment_ids": [grouped["refund"][0].pk, 10**9], "theme_id": refund.pk}
    assert post("/api/v1/feedback/comments/move", forged, json).status_code == 404
    unknown_theme = {"comment_ids": [grouped["agent"][0].pk], "theme_id": missing}
    assert post("/api/v1/feedback/comments/move", unknown_theme, json).status_code == 404
    assert post("/api/v1/feedback/comments/move", {"comment_ids": []}, json).status_code == 422
    assert list(FeedbackComment.objects.order_by("pk").values_list("pk", "theme_id")) == before
    assert Theme.objects.get(pk=refund.pk).is_named_by_lead is False


def test_agents_may_not_read_or_edit_feedback(agent, grouped):
    """The feedback inbox is for leads and admins: an agent's token gets 403 everywhere, on real
    and forged ids alike."""
    api = token_client(agent)
    refund = theme_of(grouped["refund"])
    json = "application/json"
    for response in (
        api.get("/api/v1/feedback/comments"),
        api.get("/api/v1/feedback/themes"),
        api.get(f"/api/v1/feedback/themes/{refund.pk}"),
        api.post(f"/api/v1/feedback/themes/{refund.pk}/rename", {"name": "Mine"}, json),
        api.post(f"/api/v1/feedback/themes/{refund.pk}/split"),
        api.post(
            "/api/v1/feedback/comments/move",
            {"comment_ids": [grouped["agent"][0].pk], "theme_id": refund.pk},
            json,
        ),
        api.post("/api/v1/feedback/regroup"),
    ):
        assert response.status_code == 403, response.content
    assert Theme.objects.get(pk=refund.pk).is_named_by_lead is False


def test_a_read_only_token_reads_but_does_not_edit(lead, grouped):
    api = token_client(lead, TokenScope.READ)
    refund = theme_of(grouped["refund"])
    assert api.get("/api/v1/feedback/themes").status_code == 200
    assert api.get(f"/api/v1/feedback/themes/{refund.pk}").status_code == 200
    response = api.post(
        f"/api/v1/feedback/themes/{refund.pk}/rename", {"name": "No"}, "application/json"
    )
    assert response.status_code == 403
    assert api.post("/api/v1/feedback/regroup").status_code == 403


def test_regroup_runs_in_the_background(lead_api, grouped):
    from carefront.feedback.models import ThemeRun

    runs = ThemeRun.objects.count()
    response = lead_api.post("/api/v1/feedback/regroup")
    assert response.status_code == 202
    assert response.json() == {"queued": True}
    # Tests run tasks immediately.
    assert ThemeRun.objects.count() == runs + 1


def test_admins_see_the_feedback_inbox(admin, grouped):
    assert ids(token_client(admin).get("/api/v1/feedback/comments?limit=100"))


def test_the_schema_literals_match_the_models():
    assert set(get_args(CommentSourceName)) == set(CommentSource.values)
    from carefront.api.endpoints.feedback import SENTIMENT_NAMES

    assert set(get_args(SentimentName)) == set(SENTIMENT_NAMES.values())
    assert set(SENTIMENT_NAMES) == set(Sentiment.values)


def test_anonymous_calls_are_401(client, grouped):
    from carefront.api.tests.test_permissions import feedback_endpoints

    for method, url in feedback_endpoints():
        assert getattr(client, method)(url).status_code == 401, url


def test_the_theme_list_costs_the_same_queries_whatever_the_count(lead_api, grouped, lead):
    from carefront.feedback.services import feedback_comments_move

    lead_api.get("/api/v1/feedback/themes")
    with CaptureQueriesContext(connection) as few:
        lead_api.get("/api/v1/feedback/themes")
    for n, row in enumerate(grouped["agent"]):
        feedback_comments_move(actor=lead, comment_ids=[row.pk], new_theme_name=f"Theme {n}")
    lead_api.get("/api/v1/feedback/themes")  # the weekly counts, cached until themes change
    with CaptureQueriesContext(connection) as many:
        body = lead_api.get("/api/v1/feedback/themes").json()
    assert len(body["items"]) == 8
    assert len(many) == len(few)
