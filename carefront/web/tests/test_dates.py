"""One date style across the UI, in the viewer's time zone; readable timeline lines."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone

from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.models import Conversation
from carefront.conversations.services import conversation_assign

pytestmark = pytest.mark.django_db

NOON_UTC = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _render(source: str, **context) -> str:
    return Template("{% load carefront_web %}" + source).render(Context(context))


def test_when_writes_the_time_in_the_active_zone_with_the_instant_for_machines():
    with timezone.override("Europe/Berlin"):
        html = _render("{{ at|when }}", at=NOON_UTC)
    assert html == '<time datetime="2026-03-01T13:00:00+01:00">March 1, 2026, 1 p.m.</time>'
    with timezone.override("Asia/Tokyo"):
        assert "March 1, 2026, 9 p.m." in _render("{{ at|when }}", at=NOON_UTC)


def test_when_has_a_date_only_and_a_muted_form_and_refuses_unknown_options():
    with timezone.override("Pacific/Kiritimati"):  # UTC+14: already the next day there
        assert ">March 2, 2026</time>" in _render('{{ at|when:"date" }}', at=NOON_UTC)
    assert 'class="muted"' in _render('{{ at|when:"muted" }}', at=NOON_UTC)
    assert _render("{{ at|when }}", at=None) == ""
    with pytest.raises(TemplateSyntaxError):
        _render('{{ at|when:"shouty" }}', at=NOON_UTC)


def test_no_template_formats_a_date_by_itself():
    """Every date goes through |when: a `|date:` or hand-written <time> would drift apart."""
    offenders = []
    for path in Path(settings.BASE_DIR, "carefront").rglob("templates/**/*.html"):
        if "/email/" in path.as_posix():  # mail bodies: customer-facing, no viewer time zone
            continue
        text = path.read_text()
        if re.search(r"\|date\b|<time\b", text):
            offenders.append(str(path))
    assert offenders == []


def test_the_inbox_and_the_conversation_show_the_same_date_style(agent_client, conversation):
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=NOON_UTC, waiting_since=None
    )
    conversation.messages.update(created_at=NOON_UTC)
    inbox_html = agent_client.get(reverse("web:inbox") + "?folder=all").content.decode()
    page_html = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content
    # The agent works in Europe/Berlin.
    assert "March 1, 2026, 1 p.m." in inbox_html
    assert "March 1, 2026, 1 p.m." in page_html.decode()


def test_assigning_to_oneself_reads_took_it(agent_client, agent, conversation):
    conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    html = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert f"{agent.name} took it" in html
    assert f"{agent.name} assigned it to {agent.name}" not in html


def test_assigning_to_someone_else_names_both(agent_client, agent, team, conversation):
    colleague = AgentFactory(name="Kim Colleague")
    team.members.add(colleague)
    conversation_assign(conversation=conversation, assignee=colleague, actor=agent)
    html = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert f"{agent.name} assigned it to Kim Colleague" in html
