"""The composer holds a send when the conversation changed since the page was rendered."""

import re

import pytest
from django.urls import reverse

from carefront.conversations.models import Message
from carefront.conversations.tests.factories import receive

pytestmark = pytest.mark.django_db


def _last_seen(html: str) -> int:
    return int(re.search(r'name="if_last_message_id" value="(\d+)"', html).group(1))


def test_the_composer_carries_the_last_message_it_rendered(agent_client, conversation):
    html = agent_client.get(reverse("web:conversation", args=[conversation.pk])).text
    last = conversation.messages.order_by("-pk").first().pk
    assert html.count(f'name="if_last_message_id" value="{last}"') == 2  # reply and note


@pytest.mark.parametrize("action", ["conversation_reply", "conversation_note"])
def test_a_message_landing_meanwhile_holds_the_send_and_keeps_the_text(
    agent_client, agent, inbox, conversation, action
):
    page = agent_client.get(reverse("web:conversation", args=[conversation.pk])).text
    seen = _last_seen(page)
    root = conversation.messages.first().message_id
    later = receive(inbox, in_reply_to=[root], body_text="Actually, it just arrived!")

    response = agent_client.post(
        reverse(f"web:{action}", args=[conversation.pk]),
        {"body": "Let me check with the courier.", "if_last_message_id": seen},
    )

    assert response.status_code == 409
    html = response.text
    assert "data-collision" in html
    assert "Actually, it just arrived!" in html
    assert "Let me check with the courier." in html  # kept in the composer
    assert not Message.objects.filter(author=agent).exists()
    # Sending again confirms: the page now carries the newer message.
    assert _last_seen(html) == later.message.pk
    again = agent_client.post(
        reverse(f"web:{action}", args=[conversation.pk]),
        {"body": "Let me check with the courier.", "if_last_message_id": _last_seen(html)},
    )
    assert again.status_code == 303
    assert Message.objects.filter(author=agent).count() == 1


def test_a_bad_last_message_id_is_a_form_error_not_a_500(agent_client, conversation):
    response = agent_client.post(
        reverse("web:conversation_reply", args=[conversation.pk]),
        {"body": "Hi", "if_last_message_id": "abc"},
    )
    assert response.status_code == 400
