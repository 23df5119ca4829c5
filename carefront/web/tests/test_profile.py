import pytest
from django.urls import reverse

from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db


def test_agent_changes_name_time_zone_and_signature(agent_client, agent):
    response = agent_client.post(
        reverse("web:profile"),
        {"name": "Grace Hopper", "time_zone": "America/New_York", "signature": "Grace"},
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.name, agent.time_zone, agent.signature) == (
        "Grace Hopper",
        "America/New_York",
        "Grace",
    )


def test_unknown_time_zone_is_refused(agent_client, agent):
    response = agent_client.post(
        reverse("web:profile"), {"name": "Grace", "time_zone": "Mars/Olympus", "signature": ""}
    )
    assert response.status_code == 400
    agent.refresh_from_db()
    assert agent.time_zone == "Europe/Berlin"


def test_times_are_shown_in_the_agents_time_zone(agent_client, agent, inbox):
    import datetime as dt

    from carefront.conversations.models import Message

    conversation = conversation_for(inbox)
    Message.objects.filter(conversation=conversation).update(
        created_at=dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
    )
    html = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert "2026-01-10T13:00:00+01:00" in html  # Europe/Berlin in winter


def test_password_change(agent_client, agent):
    response = agent_client.post(
        reverse("web:password_change"),
        {
            "old_password": "password",
            "new_password1": "a-long-new-passphrase",
            "new_password2": "a-long-new-passphrase",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("a-long-new-passphrase")


def test_login_and_logout(client, agent):
    response = client.post(reverse("web:login"), {"username": agent.email, "password": "password"})
    assert response.status_code == 302
    assert client.get(reverse("web:inbox")).status_code == 200
    client.post(reverse("web:logout"))
    assert client.get(reverse("web:inbox")).status_code == 302


def test_wrong_password_shows_an_error(client, agent):
    response = client.post(reverse("web:login"), {"username": agent.email, "password": "nope"})
    assert response.status_code == 200
    assert "alert-error" in response.content.decode()
