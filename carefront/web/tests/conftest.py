"""Fixtures for the HTML UI tests: signed-in clients and a conversation in `inbox`."""

import pytest
from django.test import Client

from carefront.conversations.tests.factories import conversation_for


@pytest.fixture
def agent_client(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def outsider_client(outsider) -> Client:
    client = Client()
    client.force_login(outsider)
    return client


@pytest.fixture
def admin_client(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def conversation(inbox):
    return conversation_for(
        inbox,
        from_address="ana@example.com",
        from_name="Ana Lima",
        subject="Where is my parcel?",
        body_text="Hello, my parcel has not arrived.\n\n> On Monday you wrote:\n> shipped",
        reply_text="Hello, my parcel has not arrived.",
    )
