import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from carefront.accounts.models import Agent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-password-42"


def _link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/password-reset/[^/\s]+/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def _choose_password(client: Client, path: str) -> None:
    # Django swaps the token for a session marker and redirects to the form.
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert b"Choose your password" in response.content
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")


def test_login_page_links_to_the_forgotten_password_form(client):
    assert reverse("web:password_reset").encode() in client.get(reverse("web:login")).content


def test_a_forgotten_password_is_replaced_through_the_emailed_link(client, agent):
    response = client.post(reverse("web:password_reset"), {"email": agent.email.upper()})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [agent.email]
    _choose_password(client, _link_path(mail.outbox[0].body))
    assert client.login(username=agent.email, password=NEW_PASSWORD)


def test_the_link_works_once(client, agent):
    client.post(reverse("web:password_reset"), {"email": agent.email})
    path = _link_path(mail.outbox[0].body)
    _choose_password(client, path)
    response = Client().get(path, follow=True)
    assert b"This link does not work any more" in response.content


def test_an_unknown_address_gets_the_same_answer_and_no_email(client):
    response = client.post(reverse("web:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:password_reset_done")
    assert mail.outbox == []


def test_a_deactivated_agent_gets_no_link(client, agent, admin):
    from carefront.accounts.services.agents import agent_deactivate

    agent_deactivate(actor=admin, agent=agent)
    client.post(reverse("web:password_reset"), {"email": agent.email})
    assert mail.outbox == []


def test_an_agent_created_without_a_password_is_invited_and_chooses_one(admin_client, admin):
    response = admin_client.post(
        reverse("web:manage_agent_new"),
        {"name": "Noor Haddad", "email": "noor@carefront.test", "role": "agent", "password": ""},
    )
    assert response.status_code == 302
    invited = Agent.objects.get(email="noor@carefront.test")
    assert not invited.has_usable_password()
    assert len(mail.outbox) == 1
    invitation = mail.outbox[0]
    assert invitation.to == ["noor@carefront.test"]
    assert admin.name in invitation.subject
    assert "noor@carefront.test" in invitation.body
    client = Client()
    _choose_password(client, _link_path(invitation.body))
    assert client.login(username="noor@carefront.test", password=NEW_PASSWORD)


def test_an_invited_agent_who_lost_the_email_can_ask_for_a_new_link(admin_client, client):
    admin_client.post(
        reverse("web:manage_agent_new"),
        {"name": "Noor Haddad", "email": "noor@carefront.test", "role": "agent", "password": ""},
    )
    client.post(reverse("web:password_reset"), {"email": "noor@carefront.test"})
    assert len(mail.outbox) == 2
