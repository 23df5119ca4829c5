"""Auto-QA in the workspace: "Check my reply" in the composer, the marks under a sent reply, the
quality page (own / team / all, period filter) and the admin's settings of the checks."""

import pytest
from django.test import Client
from django.urls import reverse

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.quality.behaviours import Behaviour
from carefront.quality.models import QaCheckSetting, QaMark
from carefront.quality.services import check_config
from carefront.quality.tests.conftest import send_reply

pytestmark = pytest.mark.django_db

NO_NAME = "Hello,\n\nyour parcel left our warehouse and arrives tomorrow."


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_check_my_reply_shows_the_missing_name_before_sending(agent_client, conversation):
    response = agent_client.post(
        reverse("web:reply_check", args=[conversation.pk]), {"body": NO_NAME, "then": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-qa-mark="greets_by_name" data-qa-outcome="missed"' in html
    assert "Hi Ana," in html  # the hint names the customer
    assert not QaMark.objects.exists()  # nothing stored before sending


def test_check_my_reply_with_an_empty_reply_asks_for_text(agent_client, conversation):
    response = agent_client.post(reverse("web:reply_check", args=[conversation.pk]), {"body": ""})
    assert response.status_code == 200
    assert "Write your reply first" in response.content.decode()


def test_check_my_reply_on_a_conversation_of_another_team_is_not_found(
    outsider_client, conversation
):
    response = outsider_client.post(
        reverse("web:reply_check", args=[conversation.pk]), {"body": NO_NAME}
    )
    assert response.status_code == 404


def test_the_composer_has_the_check_button(agent_client, conversation):
    html = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert "data-check-reply" in html
    assert reverse("web:reply_check", args=[conversation.pk]) in html


def test_marks_show_under_the_reply_to_its_author_and_a_lead_not_another_agent(
    conversation, agent, lead, inbox
):
    reply = send_reply(conversation, agent, NO_NAME)
    url = reverse("web:conversation", args=[conversation.pk])
    html = client_for(agent).get(url).content.decode()
    assert f'data-qa-reply-marks="{reply.pk}"' in html
    assert 'data-qa-mark="greets_by_name" data-qa-outcome="missed"' in html
    assert "Hi Ana," in html
    assert f'data-qa-reply-marks="{reply.pk}"' in client_for(lead).get(url).content.decode()
    colleague = AgentFactory(role=Role.AGENT)
    inbox.teams.first().members.add(colleague)
    assert "data-qa-reply-marks" not in client_for(colleague).get(url).content.decode()


def test_the_quality_page_shows_an_agent_their_own_and_a_lead_their_team(
    conversation, agent, lead, outsider, inbox, django_assert_max_num_queries
):
    send_reply(conversation, agent, NO_NAME)
    inbox.teams.add(outsider.teams.first())
    send_reply(conversation, outsider, "Hi Ana, thanks! It arrives tomorrow.")
    mine = client_for(agent).get(reverse("web:quality")).content.decode()
    assert f'data-qa-row="{agent.pk}"' in mine
    assert f'data-qa-row="{outsider.pk}"' not in mine
    lead_client = client_for(lead)
    with django_assert_max_num_queries(14):
        page = lead_client.get(reverse("web:quality"), {"period": "7"}).content.decode()
    assert f'data-qa-row="{agent.pk}"' in page
    assert f'data-qa-row="{outsider.pk}"' not in page
    assert "<svg" in page
    # A forged agent filter for another team's agent shows the lead's own scope only.
    forged = lead_client.get(reverse("web:quality"), {"agent": outsider.pk}).content.decode()
    assert f'data-qa-row="{outsider.pk}"' not in forged


def test_the_quality_page_accepts_a_bad_period(agent_client):
    response = agent_client.get(reverse("web:quality"), {"period": "forever"})
    assert response.status_code == 200


def test_an_admin_switches_a_check_off_and_tunes_words(admin_client):
    url = reverse("web:manage_quality")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, {"behaviour": Behaviour.THANKS, "words_en": "cheers\nthx", "words_de": ""}
    )
    assert response.status_code == 303
    setting = QaCheckSetting.objects.get(behaviour=Behaviour.THANKS)
    assert setting.enabled is False
    assert setting.words == {"en": ["cheers", "thx"]}
    config, _version = check_config()
    assert Behaviour.THANKS in config.disabled


def test_bad_words_are_refused_and_what_was_typed_is_kept(admin_client):
    response = admin_client.post(
        reverse("web:manage_quality"),
        {"behaviour": Behaviour.THANKS, "enabled": "on", "words_en": "th*nks\nmerci beaucoup"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "may only end a word" in html
    assert "merci beaucoup" in html
    assert not QaCheckSetting.objects.exists()


def test_a_lead_may_not_change_the_checks(lead):
    response = client_for(lead).post(reverse("web:manage_quality"), {"behaviour": Behaviour.THANKS})
    assert response.status_code == 403
