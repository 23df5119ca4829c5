"""The API tokens page under the agent's profile."""

import pytest
from django.urls import reverse

from carefront.accounts.models import ApiToken, TokenScope
from carefront.accounts.services import api_token_authenticate, api_token_create

pytestmark = pytest.mark.django_db

URL = "/profile/tokens/"


def test_url_is_under_the_profile():
    assert reverse("web:api_tokens") == URL


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_creating_shows_the_token_once(agent_client, agent):
    response = agent_client.post(URL, {"action": "create", "name": "Shop", "scope": "read_write"})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(agent=agent)
    html = response.content.decode()
    plain = html.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert api_token_authenticate(plain=plain) == token
    assert token.scope == TokenScope.READ_WRITE
    again = agent_client.get(URL).content.decode()
    assert plain not in again
    assert token.key_prefix in again


def test_creating_without_a_name_is_refused(agent_client):
    response = agent_client.post(URL, {"action": "create", "name": " ", "scope": "read"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking(agent_client, agent):
    token, plain = api_token_create(agent=agent, name="Shop", scope=TokenScope.READ)
    response = agent_client.post(URL, {"action": "revoke", "token": token.pk})
    assert response.status_code == 303
    assert api_token_authenticate(plain=plain) is None


def test_cannot_revoke_or_see_another_agents_token(outsider_client, agent):
    token, plain = api_token_create(agent=agent, name="Secret shop", scope=TokenScope.READ)
    assert "Secret shop" not in outsider_client.get(URL).content.decode()
    response = outsider_client.post(URL, {"action": "revoke", "token": token.pk})
    assert response.status_code == 404
    assert api_token_authenticate(plain=plain) is not None


def test_profile_links_to_tokens(agent_client):
    assert URL in agent_client.get(reverse("web:profile")).content.decode()
