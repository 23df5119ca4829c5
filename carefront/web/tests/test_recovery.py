"""The recovery pages: a lead's list (theirs first, overdue flagged, filters, pages, constant
queries), the task page (close, reassign, bad input), the flag on the conversation and on inbox
rows; the inbox's recovery settings; praise on the profile and the team's recognition page."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.feedback.models import RecoveryTask
from carefront.feedback.services import recovery_close
from carefront.feedback.tests.factories import rated
from carefront.inboxes.models import Inbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_survey_throttle(settings):
    """One customer rates several conversations minutes apart here; the throttle (nobody asked
    twice in 90 days, tested in test_nps.py) would stop every survey but the first."""
    from carefront.feedback.tests.factories import without_survey_throttle

    without_survey_throttle(settings)


LIST = reverse("web:recovery")


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


def _bad(inbox, agent, n: int = 0, **kwargs) -> RecoveryTask:
    rated(
        inbox, agent, score="not_good", comment=f"Still broken {n}", subject=f"Case {n}", **kwargs
    )
    return RecoveryTask.objects.order_by("-id").first()


def _rows(html: str) -> int:
    return html.count("data-recovery-row=")


def test_the_leads_list_shows_their_open_tasks_overdue_first(lead_client, inbox, agent):
    later = _bad(inbox, agent, 1)
    overdue = _bad(inbox, agent, 2)
    RecoveryTask.objects.filter(pk=overdue.pk).update(due_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    html = lead_client.get(LIST).content.decode()
    assert html.index(f'data-recovery-row="{overdue.pk}"') < html.index(
        f'data-recovery-row="{later.pk}"'
    )
    assert "Overdue" in html
    assert "“Still broken 2”" in html
    assert "Lena Lead" in html
    overdue_only = lead_client.get(LIST, {"overdue": "1"}).content.decode()
    assert _rows(overdue_only) == 1


def test_the_inbox_filter(lead_client, inbox, agent):
    _bad(inbox, agent)
    html = lead_client.get(LIST).content.decode()
    assert f'<option value="{inbox.pk}">' in html
    chosen = lead_client.get(LIST, {"inbox": inbox.pk}).content.decode()
    assert f'<option value="{inbox.pk}" selected>' in chosen
    assert _rows(chosen) == 1
    assert _rows(lead_client.get(LIST, {"inbox": inbox.pk + 1000}).content.decode()) == 0


def test_owner_filters_and_the_closed_list(lead_client, lead, inbox, agent):
    task = _bad(inbox, agent)
    assert _rows(lead_client.get(LIST, {"owner": "unowned"}).content.decode()) == 0
    recovery_close(task=task, actor=lead, outcome="contacted", note="Called her")
    assert _rows(lead_client.get(LIST).content.decode()) == 0
    closed = lead_client.get(LIST, {"state": "closed", "owner": "anyone"}).content.decode()
    assert _rows(closed) == 1
    assert "Contacted the customer" in closed


def test_bad_filter_values_fall_back_to_the_defaults(lead_client, inbox, agent):
    _bad(inbox, agent)
    response = lead_client.get(LIST, {"state": "x", "owner": "<b>", "inbox": "-1"})
    assert response.status_code == 200
    assert _rows(response.content.decode()) == 1
    assert lead_client.get(LIST, {"cursor": "nonsense"}).status_code == 400


def test_the_list_pages_with_a_cursor(lead_client, inbox, agent, monkeypatch):
    monkeypatch.setattr("carefront.web.views.recovery.PAGE_SIZE", 2)
    made = [_bad(inbox, agent, n) for n in range(3)]
    first = lead_client.get(LIST).content.decode()
    assert _rows(first) == 2
    assert 'rel="next"' in first
    cursor = first.split('rel="next"')[0].rsplit("cursor=", 1)[1].split('"')[0]
    second = lead_client.get(LIST + "?cursor=" + cursor).content.decode()
    assert _rows(second) == 1
    assert f'data-recovery-row="{made[2].pk}"' in second


def test_the_list_costs_the_same_queries_for_few_and_many(lead_client, inbox, agent):
    _bad(inbox, agent, 0)
    cache.clear()
    lead_client.get(LIST)
    with CaptureQueriesContext(connection) as one:
        lead_client.get(LIST)
    for n in range(1, 6):
        _bad(inbox, agent, n)
    # Each new task notified the lead: the bell counts again once (then from its cache).
    lead_client.get(LIST)
    with CaptureQueriesContext(connection) as six:
        assert _rows(lead_client.get(LIST).content.decode()) == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_closing_from_the_task_page(lead_client, inbox, agent):
    task = _bad(inbox, agent)
    page = lead_client.get(reverse("web:recovery_task", args=[task.pk])).content.decode()
    assert "Still broken 0" in page
    assert "Record the outcome" in page
    response = lead_client.post(
        reverse("web:recovery_task_close", args=[task.pk]),
        {"outcome": "resolved", "note": "Sent a new one"},
    )
    assert response.status_code == 303
    task.refresh_from_db()
    assert (task.state, task.outcome, task.note) == ("closed", "resolved", "Sent a new one")
    after = lead_client.get(response["Location"]).content.decode()
    assert 'data-outcome="resolved"' in after
    assert "Record the outcome" not in after


def test_closing_without_an_outcome_shows_the_form_again_and_keeps_the_note(
    lead_client, inbox, agent
):
    task = _bad(inbox, agent)
    response = lead_client.post(
        reverse("web:recovery_task_close", args=[task.pk]), {"note": "Tried twice"}
    )
    assert response.status_code == 400
    assert "Tried twice" in response.content.decode()
    assert RecoveryTask.objects.get(pk=task.pk).is_open


def test_closing_twice_is_a_clear_error(lead_client, lead, inbox, agent):
    task = _bad(inbox, agent)
    recovery_close(task=task, actor=lead, outcome="resolved")
    response = lead_client.post(
        reverse("web:recovery_task_close", args=[task.pk]), {"outcome": "contacted"}
    )
    assert response.status_code == 400
    assert RecoveryTask.objects.get(pk=task.pk).outcome == "resolved"


def test_a_lead_reassigns_and_the_agent_then_sees_it_in_their_list(
    lead_client, agent_client, inbox, agent
):
    task = _bad(inbox, agent)
    assert _rows(agent_client.get(LIST).content.decode()) == 0
    assert agent_client.get(reverse("web:recovery_task", args=[task.pk])).status_code == 404
    response = lead_client.post(
        reverse("web:recovery_task_reassign", args=[task.pk]), {"owner": agent.pk}
    )
    assert response.status_code == 303
    assert _rows(agent_client.get(LIST).content.decode()) == 1


def test_the_conversation_is_flagged_while_the_task_is_open(lead_client, lead, inbox, agent):
    task = _bad(inbox, agent)
    url = reverse("web:conversation", args=[task.conversation_id])
    html = lead_client.get(url).content.decode()
    assert f'data-recovery-flag="{task.pk}"' in html
    assert "Lena Lead follows up with the customer" in html
    assert "Recovery task opened (Rated “not good”) for Lena Lead" in html
    recovery_close(task=task, actor=lead, outcome="contacted", note="Called")
    html = lead_client.get(url).content.decode()
    assert "data-recovery-flag" not in html
    assert "Lena Lead closed the recovery task: Contacted the customer — “Called”" in html


def test_the_flag_costs_the_conversation_page_no_query(agent_client, inbox, agent, lead):
    from carefront.feedback.services import rating_record

    rating = rated(inbox, agent, score="okay")
    url = reverse("web:conversation", args=[rating.conversation_id])

    def queries() -> int:
        cache.clear()
        agent_client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            agent_client.get(url)
        return len(ctx.captured_queries)

    before = queries()
    rating_record(survey=rating.survey, score="not_good")
    assert RecoveryTask.objects.exists()
    assert queries() == before


def test_inbox_rows_flag_conversations_with_an_open_task(agent_client, lead, inbox, agent):
    task = _bad(inbox, agent)
    other = rated(inbox, agent, score="great", subject="Happy one")
    html = agent_client.get(reverse("web:inbox"), {"folder": "all"}).content.decode()
    row = html.split(f'data-id="{task.conversation_id}"')[1].split("</li>")[0]
    assert "data-recovery-flag" in row
    happy = html.split(f'data-id="{other.conversation_id}"')[1].split("</li>")[0]
    assert "data-recovery-flag" not in happy


def test_the_inbox_form_sets_the_recovery_owner_and_hours(admin_client, inbox, lead):
    data = {
        "name": inbox.name,
        "email_address": inbox.email_address,
        "teams": [t.pk for t in inbox.teams.all()],
        "is_active": "on",
        "rating_delay_minutes": "60",
        "recovery_owner": lead.pk,
        "recovery_due_hours": "4",
    }
    response = admin_client.post(reverse("web:manage_inbox", args=[inbox.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    inbox.refresh_from_db()
    assert (inbox.recovery_owner, inbox.recovery_due_hours) == (lead, 4)


def test_a_plain_agent_cannot_be_the_recovery_owner(admin_client, inbox, agent):
    data = {
        "name": inbox.name,
        "email_address": inbox.email_address,
        "is_active": "on",
        "recovery_owner": agent.pk,
        "recovery_due_hours": "4",
    }
    response = admin_client.post(reverse("web:manage_inbox", args=[inbox.pk]), data)
    assert response.status_code == 400
    assert Inbox.objects.get(pk=inbox.pk).recovery_owner is None


def test_praise_shows_on_the_agents_profile_and_the_teams_page(agent_client, inbox, agent, team):
    rated(inbox, agent, score="great", comment="So patient with me, thank you!")
    profile = agent_client.get(reverse("web:profile")).content.decode()
    assert "So patient with me, thank you!" in profile
    assert reverse("web:recognition", args=[team.pk]) in profile
    page = agent_client.get(reverse("web:recognition", args=[team.pk])).content.decode()
    assert "So patient with me, thank you!" in page
    assert agent.name in page


def test_the_recognition_page_is_for_the_team_and_leads(outsider_client, lead_client, team):
    url = reverse("web:recognition", args=[team.pk])
    assert outsider_client.get(url).status_code == 404
    assert lead_client.get(url).status_code == 200
    assert lead_client.get(reverse("web:recognition", args=[999999])).status_code == 404


def test_the_recognition_page_costs_the_same_queries_for_few_and_many(
    agent_client, inbox, agent, team
):
    rated(inbox, agent, score="great", comment="Kind")
    url = reverse("web:recognition", args=[team.pk])
    agent_client.get(url)
    with CaptureQueriesContext(connection) as one:
        agent_client.get(url)
    for n in range(4):
        rated(inbox, agent, score="great", comment=f"Lovely {n}")
    # Each praise notified the agent: the bell counts again once (then from its cache).
    agent_client.get(url)
    with CaptureQueriesContext(connection) as five:
        assert agent_client.get(url).content.decode().count("data-praise=") == 5
    assert len(five.captured_queries) == len(one.captured_queries)
