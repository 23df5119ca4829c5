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
    created = agent_client.post(URL, {"action": "create", "name": "Shop", "scope": "read_write"})
    # POST-redirect-GET: reloading the page that shows the token creates nothing.
    assert created.status_code == 303
    assert created["Location"] == URL
    response = agent_client.get(URL)
    assert response.status_code == 200
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


def test_reloading_after_creating_neither_creates_nor_shows_another_token(agent_client, agent):
    response = agent_client.post(
        URL, {"action": "create", "name": "Shop", "scope": "read"}, follow=True
    )
    assert 'id="new-token"' in response.content.decode()
    reloaded = agent_client.get(URL)
    assert ApiToken.objects.filter(agent=agent).count() == 1
    assert 'id="new-token"' not in reloaded.content.decode()


def test_a_token_revoked_before_the_redirect_is_not_shown(agent_client, agent):
    from carefront.web.views_tokens import NEW_TOKEN_SESSION_KEY

    agent_client.post(URL, {"action": "create", "name": "Shop", "scope": "read"})
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert 'id="new-token"' not in agent_client.get(URL).content.decode()
    assert NEW_TOKEN_SESSION_KEY not in agent_client.session


def test_access_choice_is_a_fieldset_with_a_legend(agent_client):
    html = agent_client.get(URL).content.decode()
    fieldset = html.split("<fieldset>")[1].split("</fieldset>")[0]
    assert "<legend>Access</legend>" in fieldset
    assert 'type="radio" name="scope"' in fieldset
