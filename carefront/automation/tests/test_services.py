import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.automation.services import (
    saved_reply_create,
    saved_reply_render,
    saved_reply_update,
)
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db):
    return AgentFactory(role=Role.LEAD, name="Lena Lead")


def test_placeholders_are_filled_without_html_escaping(lead, inbox):
    conversation = conversation_for(inbox, from_name="Zoë O'Brien", subject="Tea & cake")
    saved = saved_reply_create(
        actor=lead,
        title="Hello",
        body=(
            "Hi {{ customer.first_name }} ({{ customer.name }}), "
            "re #{{ conversation.id }} {{ conversation.subject }}. {{ agent.first_name }}"
        ),
    )
    text = saved_reply_render(saved_reply=saved, conversation=conversation, agent=lead)
    assert text == f"Hi Zoë (Zoë O'Brien), re #{conversation.pk} Tea & cake. Lena"


def test_unknown_placeholder_renders_empty(lead, inbox):
    conversation = conversation_for(inbox)
    saved = saved_reply_create(actor=lead, title="T", body="A{{ customer.password }}B")
    assert saved_reply_render(saved_reply=saved, conversation=conversation, agent=lead) == "AB"


def test_model_internals_are_not_reachable(lead, inbox):
    conversation = conversation_for(inbox)
    saved = saved_reply_create(
        actor=lead, title="T", body="{{ conversation.customer.email }}{{ agent.password }}"
    )
    assert saved_reply_render(saved_reply=saved, conversation=conversation, agent=lead) == ""


@pytest.mark.parametrize(
    "body", ["{% debug %}", '{% include "web/base.html" %}', "{% load humanize %}", "{{ a|nope }}"]
)
def test_dangerous_or_broken_templates_are_refused(lead, body):
    with pytest.raises(InvalidInput):
        saved_reply_create(actor=lead, title="T", body=body)


def test_agents_cannot_write_saved_replies(agent):
    with pytest.raises(PermissionDenied):
        saved_reply_create(actor=agent, title="T", body="x")


def test_update_validates_too(lead):
    saved = saved_reply_create(actor=lead, title="T", body="ok")
    with pytest.raises(InvalidInput):
        saved_reply_update(actor=lead, saved_reply=saved, title="", body="ok")
