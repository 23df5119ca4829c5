"""Fixtures shared by every test package."""

import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.inboxes.tests.factories import InboxFactory
from tests.support.smtp_sink import SmtpSink


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids repeat between tests' databases."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def sink(settings):
    """A real SMTP server on loopback that keeps what Carefront sends; outbound mail goes there."""
    server = SmtpSink().start()
    settings.MAILERS = server.mailers_setting()
    yield server
    server.stop()


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def inbox(team):
    return InboxFactory(teams=[team])


@pytest.fixture
def agent(team):
    agent = AgentFactory(role=Role.AGENT, time_zone="Europe/Berlin")
    team.members.add(agent)
    return agent


@pytest.fixture
def admin(db):
    return AgentFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db):
    """An agent of another team, who must not see `inbox`."""
    other = TeamFactory()
    agent = AgentFactory(role=Role.AGENT)
    other.members.add(agent)
    return agent
