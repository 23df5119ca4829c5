"""The feedback report page: figures, charts (SVG with title and description, tables as the
fallback) and the CSV export of every table, scoped by role, in a constant number of
queries; bad parameters are explained, never a 500."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from carefront.conversations.tests.factories import conversation_for
from carefront.feedback.tests.report_data import at, rating_for, report_world, task_for
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db

REPORT = reverse("web:feedback_report")
MARCH = "since=2026-03-01&until=2026-03-31&tz=Europe/Berlin"


@pytest.fixture
def world(db):
    return report_world()


def _client(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_admin_sees_figures_charts_and_tables(world):
    response = _client(world["admin"]).get(f"{REPORT}?{MARCH}&period=week&by=inbox")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-csat>60.0 %" in html
    assert "data-response-rate>66.7 %" in html
    assert "data-nps>25" in html
    for chart in ("ratings", "csat"):
        assert f'data-chart="{chart}"' in html
    assert '<title id="csat-chart-title">' in html
    assert '<desc id="csat-chart-desc">' in html
    for table in ("inbox", "trend", "recovery"):
        assert f'data-table="{table}"' in html
        assert reverse("web:feedback_report_csv", args=[table]) in html
    assert ">Alpha</th>" in html
    assert ">Beta</th>" in html


def test_the_csv_of_a_table_has_the_figures_of_the_page(world):
    client = _client(world["admin"])
    rows = _csv(client.get(reverse("web:feedback_report_csv", args=["inbox"]) + f"?{MARCH}"))
    header, alpha, beta = rows
    assert header[:7] == [
        "Inbox",
        "Ratings",
        "Great",
        "Okay",
        "Not good",
        "CSAT (% great)",
        "Average (1 to 3)",
    ]
    assert alpha[:7] == ["Alpha", "4", "2", "1", "1", "50.0", "2.25"]
    assert beta[0] == "Beta"
    assert beta[header.index("NPS")] == ""  # no NPS sent from Beta: no figure, not 0
    trend = _csv(
        client.get(reverse("web:feedback_report_csv", args=["trend"]) + f"?{MARCH}&period=month")
    )
    assert trend[1][:2] == ["2026-03", "5"]
    response = client.get(reverse("web:feedback_report_csv", args=["trend"]) + f"?{MARCH}")
    disposition = response["Content-Disposition"]
    assert 'filename="feedback-trend-2026-03-01-to-2026-03-31.csv"' in disposition


def test_a_lead_sees_their_teams_and_an_agent_their_own(world):
    lead = _client(world["lead"]).get(f"{REPORT}?{MARCH}").content.decode()
    assert ">Alpha</th>" in lead
    assert ">Beta</th>" not in lead
    bob = _client(world["bob"]).get(f"{REPORT}?{MARCH}").content.decode()
    assert ">Beta</th>" in bob
    assert ">Alpha</th>" not in bob
    assert "data-nps" not in bob
    rows = _csv(
        _client(world["bob"]).get(
            reverse("web:feedback_report_csv", args=["agent"]) + f"?{MARCH}&by=agent"
        )
    )
    assert [row[0] for row in rows[1:]] == ["Bob"]


def test_a_bad_range_is_explained(world):
    response = _client(world["admin"]).get(f"{REPORT}?since=2026-04-01&until=2026-03-01")
    assert response.status_code == 400
    assert "The end of the range is before its start." in response.content.decode()


def test_garbage_parameters_fall_back_to_the_defaults(world):
    response = _client(world["admin"]).get(f"{REPORT}?since=yesterday&period=year&by=x&tz=Mars")
    assert response.status_code == 200
    assert "Unknown time zone." in response.content.decode()


def test_an_unknown_table_is_not_found(world):
    client = _client(world["admin"])
    assert client.get(reverse("web:feedback_report_csv", args=["customers"])).status_code == 404
    # A table of another grouping than the one asked for is not there either.
    url = reverse("web:feedback_report_csv", args=["team"]) + f"?{MARCH}&by=inbox"
    assert client.get(url).status_code == 404


def test_the_page_makes_the_same_queries_however_much_data(world, django_assert_max_num_queries):
    client = _client(world["admin"])
    client.get(f"{REPORT}?{MARCH}")  # sessions and caches warmed
    with django_assert_max_num_queries(9) as before:
        client.get(f"{REPORT}?{MARCH}&by=team")
    inbox_c = InboxFactory(name="Gamma")
    for i in range(8):
        c = conversation_for(inbox_c, from_address=f"more{i}@example.com")
        rating_for(c, world["ann"], "great", when=at(f"2026-03-0{i + 1}T10:00"))
        task_for(c, world["ann"], opened=at(f"2026-03-0{i + 1}T11:00"), hours=i)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(f"{REPORT}?{MARCH}&by=team")


def test_the_nav_links_to_the_report(world):
    html = _client(world["ann"]).get(reverse("web:inbox")).content.decode()
    assert f'href="{REPORT}"' in html
