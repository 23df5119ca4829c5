import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from carefront.accounts.models import ApiToken, TokenScope
from carefront.accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    tokens,
)
from carefront.accounts.services.tokens import MAX_ACTIVE_TOKENS
from carefront.accounts.tests.factories import AgentFactory
from carefront.core.exceptions import InvalidInput, NotFound

pytestmark = pytest.mark.django_db


def test_create_stores_only_the_hash_and_returns_the_token_once(agent):
    token, plain = api_token_create(agent=agent, name="Shop", scope=TokenScope.READ)
    assert plain.startswith("cf_")
    assert len(plain) > 40
    assert token.secret_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert token.key_prefix == plain[:10]
    assert all(plain not in str(value) for value in ApiToken.objects.values().get().values())


def test_two_tokens_differ(agent):
    _a, first = api_token_create(agent=agent, name="a", scope=TokenScope.READ)
    _b, second = api_token_create(agent=agent, name="b", scope=TokenScope.READ)
    assert first != second


@pytest.mark.parametrize(("name", "scope"), [("", "read"), ("   ", "read"), ("ok", "admin")])
def test_create_refuses_bad_input(agent, name, scope):
    with pytest.raises(InvalidInput):
        api_token_create(agent=agent, name=name, scope=scope)
    assert not ApiToken.objects.exists()


def test_create_stops_at_the_limit_of_active_tokens(agent):
    ApiToken.objects.bulk_create(
        ApiToken(agent=agent, name=f"t{i}", key_prefix="cf_", secret_hash=f"{i:064d}")
        for i in range(MAX_ACTIVE_TOKENS)
    )
    with pytest.raises(InvalidInput):
        api_token_create(agent=agent, name="one more", scope=TokenScope.READ)


def test_authenticate_finds_the_token_and_records_its_use(agent):
    token, plain = api_token_create(agent=agent, name="Shop", scope=TokenScope.READ_WRITE)
    found = api_token_authenticate(plain=plain)
    assert found == token
    assert found.agent == agent
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_authenticate_records_use_at_most_once_a_minute(
    agent, django_assert_num_queries, monkeypatch
):
    _token, plain = api_token_create(agent=agent, name="Shop", scope=TokenScope.READ)
    with django_assert_num_queries(2):  # read, record the use
        api_token_authenticate(plain=plain)
    with django_assert_num_queries(0):  # from the cache, used a moment ago
        assert api_token_authenticate(plain=plain) is not None
    later = timezone.now() + dt.timedelta(minutes=5)
    monkeypatch.setattr(tokens.timezone, "now", lambda: later)
    with django_assert_num_queries(1):  # from the cache; the use is recorded again
        api_token_authenticate(plain=plain)
    assert ApiToken.objects.get().last_used_at == later


def test_a_cached_token_stops_working_once_revoked(agent):
    token, plain = api_token_create(agent=agent, name="Shop", scope=TokenScope.READ)
    assert api_token_authenticate(plain=plain) is not None
    api_token_revoke(actor=agent, token_id=token.pk)
    assert api_token_authenticate(plain=plain) is None


def test_a_cached_token_stops_working_once_its_agent_is_deactivated(agent):
    _token, plain = api_token_create(agent=agent, name="Shop", scope=TokenScope.READ)
    assert api_token_authenticate(plain=plain) is not None
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert api_token_authenticate(plain=plain) is None


@pytest.mark.parametrize("plain", ["", "cf_wrong", "nonsense", "cf_" + "x" * 500])
def test_authenticate_refuses_unknown_tokens(agent, plain):
    api_token_create(agent=agent, name="Shop", scope=TokenScope.READ)
    assert api_token_authenticate(plain=plain) is None


def test_revoked_token_no_longer_authenticates(agent):
    token, plain = api_token_create(agent=agent, name="Shop", scope=TokenScope.READ)
    api_token_revoke(actor=agent, token_id=token.pk)
    assert api_token_authenticate(plain=plain) is None
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_twice_keeps_the_first_time(agent):
    token, _plain = api_token_create(agent=agent, name="Shop", scope=TokenScope.READ)
    first = api_token_revoke(actor=agent, token_id=token.pk).revoked_at
    assert api_token_revoke(actor=agent, token_id=token.pk).revoked_at == first


def test_an_agent_cannot_revoke_someone_elses_token(agent):
    token, plain = api_token_create(agent=agent, name="Shop", scope=TokenScope.READ)
    with pytest.raises(NotFound):
        api_token_revoke(actor=AgentFactory(), token_id=token.pk)
    assert api_token_authenticate(plain=plain) is not None
