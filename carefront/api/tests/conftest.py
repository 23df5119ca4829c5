"""API clients: token (read-write, read-only), session, anonymous; and a conversation."""

import pytest
from django.test import Client

from carefront.accounts.models import TokenScope
from carefront.accounts.services import api_token_create
from carefront.conversations.tests.factories import conversation_for


def token_client(agent, scope: str = TokenScope.READ_WRITE) -> Client:
    _token, plain = api_token_create(agent=agent, name="test", scope=scope)
    return Client(headers={"Authorization": f"Bearer {plain}"})


@pytest.fixture
def api(agent) -> Client:
    """The agent, through a read-write token."""
    return token_client(agent)


@pytest.fixture
def read_api(agent) -> Client:
    return token_client(agent, TokenScope.READ)


@pytest.fixture
def outsider_api(outsider) -> Client:
    return token_client(outsider)


@pytest.fixture
def admin_api(admin) -> Client:
    return token_client(admin)


@pytest.fixture
def conversation(inbox):
    return conversation_for(
        inbox,
        from_address="ana@example.com",
        from_name="Ana Lima",
        subject="Where is my parcel?",
        body_text="Hello, my parcel has not arrived.",
    )
