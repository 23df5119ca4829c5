"""Training, kudos, recognition and wellbeing pages: reachable from the navigation, scoped
(agents their own, leads their teams), the pulse anonymous in the page and the CSV."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.quality.models import Kudos, PulseAnswer, PulseAnswered, PulseRound
from carefront.quality.services.kudos import kudos_give
from carefront.quality.services.pulse import ROUND_DAYS, pulse_answer, pulse_round_current
from carefront.quality.services.training import training_publish
from carefront.quality.tests.people_factories import after_commit, in_days

pytestmark = pytest.mark.django_db


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
def members(team):
    people = [AgentFactory(name=f"Member {i}") for i in range(5)]
    team.members.add(*people)
    return people


def close_round():
    pulse_round = pulse_round_current()
    shift = dt.timedelta(days=ROUND_DAYS)
    PulseRound.objects.filter(pk=pulse_round.pk).update(
        starts_on=pulse_round.starts_on - shift, ends_on=pulse_round.ends_on - shift
    )


def test_the_navigation_links_training_and_wellbeing(agent_client):
    html = agent_client.get(reverse("web:inbox")).content.decode()
    assert reverse("web:training") in html and reverse("web:wellbeing") in html


def test_a_lead_publishes_training_and_an_agent_acknowledges_it(
    lead_client, agent_client, team, agent
):
    with after_commit():
        response = lead_client.post(
            reverse("web:training_new"),
            {
                "title": "Tone of voice",
                "url": "https://kb.example.test/tone",
                "notes": "",
                "due_at": (in_days(5)).strftime("%Y-%m-%dT%H:%M"),
                "teams": [team.pk],
            },
        )
    assert response.status_code == 302
    page = agent_client.get(reverse("web:training")).content.decode()
    assert "Tone of voice" in page
    item_id = int(response["Location"].rstrip("/").split("/")[-1])
    agent_client.post(reverse("web:training_acknowledge", args=[item_id]))
    assert "Nothing open" in agent_client.get(reverse("web:training")).content.decode()
    status = lead_client.get(reverse("web:training_item", args=[item_id])).content.decode()
    assert f'data-assignment="{agent.pk}"' in status


def test_a_bad_training_form_shows_the_error_with_a_400(lead_client, team):
    response = lead_client.post(
        reverse("web:training_new"),
        {
            "title": "X",
            "url": "ftp://nope",
            "due_at": in_days(2).strftime("%Y-%m-%dT%H:%M"),
            "teams": [team.pk],
        },
    )
    assert response.status_code == 400
    assert "web address" in response.content.decode()


def test_an_agent_cannot_open_the_publish_form_or_a_forged_item(agent_client, lead, team):
    assert agent_client.get(reverse("web:training_new")).status_code == 403
    other = TeamFactory()
    other_lead = AgentFactory(role=Role.LEAD)
    other.members.add(other_lead)
    with after_commit():
        item = training_publish(
            actor=other_lead,
            title="Theirs",
            url="https://x.test",
            due_at=in_days(2),
            team_ids=[other.pk],
        )
    assert agent_client.get(reverse("web:training_item", args=[item.pk])).status_code == 404


def test_kudos_from_the_recognition_page_show_up_there_and_on_the_profile(
    agent_client, agent, team, members
):
    with after_commit():
        response = agent_client.post(
            reverse("web:kudos_give"),
            {"team": team.pk, "receiver": members[0].pk, "message": "Great handover today"},
        )
    assert response.status_code == 302
    page = agent_client.get(reverse("web:recognition", args=[team.pk])).content.decode()
    assert "Great handover today" in page and "data-kudos" in page
    client = Client()
    client.force_login(members[0])
    assert "Great handover today" in client.get(reverse("web:profile")).content.decode()


def test_kudos_to_someone_outside_the_team_are_refused(agent_client, team, outsider):
    agent_client.post(
        reverse("web:kudos_give"), {"team": team.pk, "receiver": outsider.pk, "message": "Hi"}
    )
    assert not Kudos.objects.exists()


def test_the_recognition_page_costs_the_same_queries_for_more_kudos(
    agent_client, agent, team, members, django_assert_max_num_queries
):
    for i in range(10):
        kudos_give(actor=members[i % 5], receiver_id=agent.pk, message=f"Thanks {i}")
    with django_assert_max_num_queries(16):
        response = agent_client.get(reverse("web:recognition", args=[team.pk]))
    assert response.content.decode().count("data-kudos=") == 10


def test_an_agent_answers_the_pulse_once_from_the_wellbeing_page(agent_client, agent):
    data = {"feeling": "4", "workload": "2", "support": "5", "enps": "8", "comment": "ok"}
    assert agent_client.post(reverse("web:wellbeing"), data).status_code == 302
    assert PulseAnswer.objects.count() == 1 and PulseAnswered.objects.filter(agent=agent).exists()
    page = agent_client.get(reverse("web:wellbeing")).content.decode()
    assert "data-pulse-answered" in page and "data-pulse-form" not in page
    assert agent_client.post(reverse("web:wellbeing"), data).status_code == 302  # no form now
    assert PulseAnswer.objects.count() == 1


def test_an_invalid_pulse_answer_is_a_400_and_stores_nothing(agent_client):
    response = agent_client.post(reverse("web:wellbeing"), {"feeling": "9"})
    assert response.status_code == 400
    assert not PulseAnswer.objects.exists() and not PulseAnswered.objects.exists()


def test_the_agent_sees_their_own_signals_only(agent_client, agent, members):
    page = agent_client.get(reverse("web:wellbeing")).content.decode()
    assert f'data-agent="{agent.pk}"' in page
    assert f'data-agent="{members[0].pk}"' not in page


def test_leads_see_aggregates_from_five_answers_and_never_one_answer(lead_client, team, members):
    for i, member in enumerate(members[:4]):
        pulse_answer(
            actor=member,
            team_id=None,
            feeling=1,
            workload=1,
            support=1,
            enps=i,
            comment=f"secret {i}",
        )
    close_round()
    page = lead_client.get(reverse("web:wellbeing_team", args=[team.pk])).content.decode()
    assert "data-hidden" in page and "secret" not in page and "data-feeling" not in page
    csv = lead_client.get(reverse("web:wellbeing_team_csv", args=[team.pk])).content.decode()
    row = csv.splitlines()[1].split(",")
    assert row[3] == "4" and row[4:8] == ["", "", "", ""]
    assert "secret" not in csv


def test_leads_see_the_averages_next_to_csat_with_five_answers(lead_client, team, members):
    for member in members:
        pulse_answer(actor=member, team_id=None, feeling=4, workload=3, support=5, enps=10)
    close_round()
    page = lead_client.get(reverse("web:wellbeing_team", args=[team.pk])).content.decode()
    assert "data-feeling>4.0<" in page and "data-enps>100<" in page
    assert "CSAT" in page
    csv = lead_client.get(reverse("web:wellbeing_team_csv", args=[team.pk])).content.decode()
    assert csv.splitlines()[1].split(",")[3:8] == ["5", "4.0", "3.0", "5.0", "100"]


def test_agents_and_other_leads_cannot_open_a_teams_wellbeing(agent_client, team):
    assert agent_client.get(reverse("web:wellbeing_team", args=[team.pk])).status_code == 403
    assert agent_client.get(reverse("web:wellbeing_team_csv", args=[team.pk])).status_code == 403
    other_lead = AgentFactory(role=Role.LEAD)
    TeamFactory().members.add(other_lead)
    client = Client()
    client.force_login(other_lead)
    assert client.get(reverse("web:wellbeing_team", args=[team.pk])).status_code == 404
    assert client.get(reverse("web:wellbeing_team_csv", args=[team.pk])).status_code == 404


def test_a_bad_period_is_a_clear_400(agent_client):
    response = agent_client.get(reverse("web:wellbeing") + "?from=yesterday")
    assert response.status_code == 400


def test_the_team_page_costs_the_same_queries_for_a_bigger_team(
    lead_client, team, members, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20) as captured:
        lead_client.get(reverse("web:wellbeing_team", args=[team.pk]))
    before = len(captured.captured_queries)
    team.members.add(*[AgentFactory() for _ in range(6)])
    with django_assert_max_num_queries(before):
        lead_client.get(reverse("web:wellbeing_team", args=[team.pk]))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/training/", "/training/"),
        ("//evil.example/", "/notifications/"),
        ("/\\evil.example/", "/notifications/"),
        ("https://evil.example/", "/notifications/"),
    ],
)
def test_a_notification_without_a_conversation_opens_its_page_on_this_site_only(
    agent_client, agent, path, expected
):
    from carefront.notifications.services import notification_create

    note = notification_create(
        recipient=agent, kind="training_assigned", dedupe_key="t:1", title="X", path=path
    )
    response = agent_client.get(reverse("web:notification_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == expected
