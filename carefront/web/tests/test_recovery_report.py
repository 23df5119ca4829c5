"""The recovery report: outcomes, time to recover, on time, per inbox, for leads; its CSV
export (streamed, safe to open in a spreadsheet); constant queries."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.feedback.models import RecoveryTask
from carefront.feedback.reports import csv_safe, recovery_report
from carefront.feedback.services import recovery_close
from carefront.feedback.tests.factories import rated

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_survey_throttle(settings):
    """One customer rates several conversations minutes apart here; the throttle (nobody asked
    twice in 90 days, tested in test_nps.py) would stop every survey but the first."""
    from carefront.feedback.tests.factories import without_survey_throttle

    without_survey_throttle(settings)


REPORT = reverse("web:recovery_report")
CSV = reverse("web:recovery_report_csv")


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


@pytest.fixture
def lead_client(lead) -> Client:
    client = Client()
    client.force_login(lead)
    return client


@pytest.fixture
def period(inbox, agent, lead):
    """Three tasks opened 10 hours ago, due in 8: one closed after 2 h (on time), one after
    12 h (late), one still open (overdue); and one opened 40 days ago."""
    now = timezone.now()
    opened = now - dt.timedelta(hours=10)
    tasks = []
    for n in range(4):
        rated(inbox, agent, score="not_good", comment=f"=HYPERLINK(evil) {n}", subject=f"C{n}")
        tasks.append(RecoveryTask.objects.order_by("-id").first())
    for task in tasks[:3]:
        RecoveryTask.objects.filter(pk=task.pk).update(
            created_at=opened, due_at=opened + dt.timedelta(hours=8)
        )
    RecoveryTask.objects.filter(pk=tasks[3].pk).update(created_at=now - dt.timedelta(days=40))
    for task, hours, outcome in ((tasks[0], 2, "resolved"), (tasks[1], 12, "contacted")):
        recovery_close(
            task=task, actor=lead, outcome=outcome, now=opened + dt.timedelta(hours=hours)
        )
    return tasks


def test_the_report_sums_up_outcomes_and_time_to_recover(lead, period):
    report = recovery_report(actor=lead, since=timezone.now() - dt.timedelta(days=30))
    assert (report.opened, report.open, report.overdue, report.closed) == (3, 1, 1, 2)
    assert report.closed_on_time == 1
    assert report.on_time_pct == 50
    assert report.by_outcome["resolved"] == 1
    assert report.by_outcome["contacted"] == 1
    assert report.by_outcome["could_not_reach"] == 0
    assert report.by_reason["bad_rating"] == 3
    assert report.median_hours == 7.0
    assert report.by_inbox[0][1:] == (3, 2, 7.0)


def test_the_report_page_for_a_lead(lead_client, period, inbox):
    html = lead_client.get(REPORT).content.decode()
    assert "<dd data-opened>3</dd>" in html
    assert "50 % on time" in html
    assert "median 7.0 h" in html
    assert 'data-outcome-bar="1"' in html
    assert inbox.name in html
    # No inbox chosen: "All inboxes", and each inbox is an option with its id.
    assert f'<option value="{inbox.pk}">' in html
    year = lead_client.get(REPORT, {"days": "365"}).content.decode()
    assert "<dd data-opened>4</dd>" in year


def test_one_inbox(lead_client, period, inbox):
    html = lead_client.get(REPORT, {"inbox": inbox.pk}).content.decode()
    assert f'<option value="{inbox.pk}" selected>' in html
    assert "<dd data-opened>3</dd>" in html
    other = lead_client.get(REPORT, {"inbox": inbox.pk + 1000}).content.decode()
    assert "<dd data-opened>0</dd>" in other


def test_bad_parameters_fall_back_to_thirty_days(lead_client, period):
    html = lead_client.get(REPORT, {"days": "-3", "inbox": "x"}).content.decode()
    assert "<dd data-opened>3</dd>" in html


def test_agents_may_not_see_the_report(agent_client):
    assert agent_client.get(REPORT).status_code == 403
    assert agent_client.get(CSV).status_code == 403


def test_the_csv_has_a_row_per_task_and_defuses_formulas(lead_client, period):
    response = lead_client.get(CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(r["id"]) for r in rows] == [t.pk for t in period[:3]]
    assert rows[0]["comment"] == "'=HYPERLINK(evil) 0"
    assert (rows[0]["outcome"], rows[0]["hours_to_recover"], rows[0]["on_time"]) == (
        "resolved",
        "2.0",
        "yes",
    )
    assert rows[1]["on_time"] == "no"
    assert rows[2]["state"] == "open"
    assert rows[2]["closed_at"] == ""


@pytest.mark.parametrize(
    ("value", "safe"),
    [("=1+1", "'=1+1"), ("+49 30", "'+49 30"), ("@SUM", "'@SUM"), ("fine", "fine"), ("", "")],
)
def test_csv_safe(value, safe):
    assert csv_safe(value) == safe


def test_the_report_costs_the_same_queries_for_few_and_many(lead_client, inbox, agent, lead):
    rated(inbox, agent, score="not_good")
    lead_client.get(REPORT)
    with CaptureQueriesContext(connection) as one:
        lead_client.get(REPORT)
    for _ in range(5):
        rated(inbox, agent, score="not_good")
    # Each new task notified the lead: the bell counts again once (then from its cache).
    lead_client.get(REPORT)
    with CaptureQueriesContext(connection) as six:
        assert "<dd data-opened>6</dd>" in lead_client.get(REPORT).content.decode()
    assert len(six.captured_queries) == len(one.captured_queries)
